"""The MQTT bridge: camhub's devices as topics and Home Assistant entities (docs/mqtt.md)."""

from camhub.mqtt.bridge import MqttBridge

__all__ = ["MqttBridge"]
