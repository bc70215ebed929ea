// Protocol constants for values inside google.protobuf.Struct
// (shared/reference/pulumi-protocol.md §4.2-4.3).
#ifndef PROVIDER_SERVER_WIRE_CONSTANTS_H_
#define PROVIDER_SERVER_WIRE_CONSTANTS_H_

namespace escnative::server::wire {

// Key whose string value marks an object as a special value.
inline constexpr char kSigKey[] = "4dabf18193072939515e22adb298388d";
inline constexpr char kSigSecret[] = "1b47061264138c4ac30d75fd1eb44270";
inline constexpr char kSigResourceReference[] = "5cf8f73096256a8f31e491e813e4eb8e";
inline constexpr char kSigOutput[] = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
inline constexpr char kSigAsset[] = "c44067f5952c0a294b673a41bacd8c17";
inline constexpr char kSigArchive[] = "0def7320c3a5731c473e5ecbe6d01bc7";
inline constexpr char kSigByteString[] = "803fd3297a5875dc03ca845dda5d2a98";

// Unknown ("computed") sentinels, one per expected type.
inline constexpr char kUnknownBool[] = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7";
inline constexpr char kUnknownNumber[] = "3eeb2bf0-c639-47a8-9e75-3b44932eb421";
inline constexpr char kUnknownString[] = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
inline constexpr char kUnknownArray[] = "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2";
inline constexpr char kUnknownAsset[] = "030794c1-ac77-496b-92df-f27374a8bd58";
inline constexpr char kUnknownArchive[] = "e48ece36-62e2-4504-bad9-02848725956a";
inline constexpr char kUnknownObject[] = "dd056dcd-154b-4c76-9bd3-c8f88648b5ff";

}  // namespace escnative::server::wire

#endif  // PROVIDER_SERVER_WIRE_CONSTANTS_H_
