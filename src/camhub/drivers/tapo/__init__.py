"""TP-Link Tapo drivers; importing this package registers them.

- ``tapo-camera``: :mod:`.camera` (over :mod:`.camera_transport`, :mod:`.camera_protocol`)
- ``tapo-plug``, ``tapo-bulb``, ``tapo-strip``, ``tapo-power-strip``: the KLAP smart
  devices, :mod:`.smart_plug`, :mod:`.smart_light`, :mod:`.smart_strip` (whose sockets
  are :mod:`.smart_socket` children), built on :mod:`.smart` and its capability mixins
  (:mod:`.smart_features`, :mod:`.smart_power`, :mod:`.smart_rules`,
  :mod:`.smart_presets`, :mod:`.smart_effects`, :mod:`.smart_settings`) over
  :mod:`.klap` and :mod:`.smart_protocol`.

Each driver lists the tapo-rest ``device_type`` values it drives in ``models``.
"""

from camhub.drivers.tapo import camera, smart_light, smart_plug, smart_strip

__all__ = ["camera", "smart_light", "smart_plug", "smart_strip"]
