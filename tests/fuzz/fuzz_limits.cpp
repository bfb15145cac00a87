// The Limits validator: arbitrary JSON objects through fromJson, and
// arbitrary 64-bit values straight into every field through validate().
// Invariants: nothing crashes (UBSan watches the arithmetic of the
// messages); fromJson accepts exactly what validate() accepts; every problem
// message names its field.
#include "fuzzinput.h"

#include "config/limits.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <cstring>

using namespace sluice;
using namespace Qt::StringLiterals;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));

    // As JSON.
    const QJsonDocument document = QJsonDocument::fromJson(bytes);
    if (document.isObject()) {
        const auto limits = config::Limits::fromJson(document.object());
        if (limits) {
            SLUICE_FUZZ_CHECK(limits->validate().isEmpty());
            const auto again = config::Limits::fromJson(limits->toJson());
            SLUICE_FUZZ_CHECK(again.hasValue() && *again == *limits);
        }
    }

    // As raw values for the fields, in table order.
    config::Limits raw;
    const QList<config::LimitField> &fields = config::limitFields();
    size_t offset = 0;
    for (const config::LimitField &field : fields) {
        if (offset + sizeof(qint64) > size)
            break;
        qint64 value;
        std::memcpy(&value, data + offset, sizeof value);
        raw.*field.member = value;
        offset += sizeof value;
    }
    const QStringList problems = raw.validate();
    for (const QString &problem : problems) {
        bool named = false;
        for (const config::LimitField &field : fields)
            named = named || problem.startsWith(QLatin1StringView(field.key));
        SLUICE_FUZZ_CHECK(named);
    }
    const auto viaJson = config::Limits::fromJson(raw.toJson());
    SLUICE_FUZZ_CHECK(viaJson.hasValue() == problems.isEmpty());
    return 0;
}
