// *** Copied verbatim into the SDK by sdk/gen/gen.py (sdk/gen/overlay). ***

/** The SDK's (and the plugin's) version. */
export function getVersion(): string {
    return "0.1.0";
}

/** Default options: ask the engine for the plugin version this SDK was generated for. */
export function resourceOptsDefaults(): any {
    return { version: getVersion() };
}
