// Lower-case hexadecimal encoding of bytes (keys, digests, signatures in
// update metadata).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace keel::crypto {

std::string HexEncode(std::string_view bytes);

// InvalidArgument for an odd length or a character outside [0-9a-f]
// (upper case is refused: one byte string has one spelling).
Result<std::string> HexDecode(std::string_view hex);

}  // namespace keel::crypto
