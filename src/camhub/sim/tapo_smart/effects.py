"""Built-in lighting effects of the Tapo L920/L930 light strips (name -> id)."""

from __future__ import annotations

from typing import Any

EFFECT_IDS: dict[str, str] = {
    "Aurora": "TapoStrip_1MClvV18i15Jq3bvJVf0eP",
    "Bubbling Cauldron": "TapoStrip_6DlumDwO2NdfHppy50vJtu",
    "Candy Cane": "TapoStrip_6Dy0Nc45vlhFPEzG021Pe9",
    "Christmas": "TapoStrip_5zkiG6avJ1IbhjiZbRlWvh",
    "Flicker": "TapoStrip_4HVKmMc6vEzjm36jXaGwMs",
    "Grandma's Christmas Lights": "TapoStrip_3Gk6CmXOXbjCiwz9iD543C",
    "Hanukkah": "TapoStrip_2YTk4wramLKv5XZ9KFDVYm",
    "Haunted Mansion": "TapoStrip_4rJ6JwC7I9st3tQ8j4lwlI",
    "Icicle": "TapoStrip_7UcYLeJbiaxVIXCxr21tpx",
    "Lightning": "TapoStrip_7OGzfSfnOdhoO2ri4gOHWn",
    "Ocean": "TapoStrip_0fOleCdwSgR0nfjkReeYfw",
    "Rainbow": "TapoStrip_7CC5y4lsL8pETYvmz7UOpQ",
    "Raindrop": "TapoStrip_1t2nWlTBkV8KXBZ0TWvBjs",
    "Spring": "TapoStrip_1nL6GqZ5soOxj71YDJOlZL",
    "Sunrise": "TapoStrip_1OVSyXIsDxrt4j7OxyRvqi",
    "Sunset": "TapoStrip_5NiN0Y8GAUD78p4neKk9EL",
    "Valentines": "TapoStrip_2q1Vio9sSjHmaC7JS9d30l",
}
NAMES_BY_ID = {v: k for k, v in EFFECT_IDS.items()}


def effect_off() -> dict[str, Any]:
    return {"brightness": 100, "custom": 0, "enable": 0, "id": "", "name": ""}
