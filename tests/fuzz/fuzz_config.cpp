// The config loader fed arbitrary files. Invariants: nothing crashes; an
// accepted config has valid limits and survives a round trip through its own
// serialisation unchanged; a refused one names a file and line.
#include "fuzzinput.h"

#include "config/config.h"

using namespace sluice;
using namespace Qt::StringLiterals;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray text(reinterpret_cast<const char *>(data), qsizetype(size));
    const auto parsed = config::Config::fromJson(text, u"fuzz.json"_s);
    if (!parsed) {
        SLUICE_FUZZ_CHECK(parsed.error().message.startsWith(u"fuzz.json:"_s));
        return 0;
    }
    SLUICE_FUZZ_CHECK(parsed->limits.validate().isEmpty());
    const auto again = config::Config::fromJson(parsed->toJson(), u"again.json"_s);
    SLUICE_FUZZ_CHECK(again.hasValue());
    SLUICE_FUZZ_CHECK(*again == *parsed);
    return 0;
}
