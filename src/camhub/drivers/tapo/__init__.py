"""TP-Link Tapo drivers: cameras (``camera*``) and KLAP smart devices (``klap``, ``smart``)."""
