/** Firefox profile preferences for WebRTC on loopback with fake devices (see firefoxPrefs.cjs). */
declare const prefs: Readonly<Record<string, boolean | number | string>>;
export = prefs;
