#include "limitlabels.h"

#include <QCoreApplication>
#include <QHash>
#include <QRegularExpression>

#include <array>
#include <cmath>
#include <limits>
#include <utility>

using namespace Qt::StringLiterals;

namespace sluice::ui {

namespace {

// The translation context of the labels, units and groups.
struct LimitText
{
    Q_DECLARE_TR_FUNCTIONS(sluice::ui::LimitText)
};

enum Group { Connections, Uploads, Exports, Jobs, Disk, Observability, Other };

struct Entry
{
    const char *key;
    Group group;
    const char *label;
};

// QT_TRANSLATE_NOOP marks them for lupdate; LimitText::tr() translates at use.
constexpr std::array Entries {
    Entry {"max_connections", Connections,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Connections, in all")},
    Entry {"max_connections_per_client", Connections,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Connections per client address")},
    Entry {"max_connections_per_ipv6_prefix", Connections,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Connections per IPv6 /64 network")},
    Entry {"max_unauthenticated_connections", Connections,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Connections without a token yet")},
    Entry {"health_reserve_connections", Connections,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Connections kept for health checks")},
    Entry {"header_deadline_ms", Connections,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Time to send the request head")},
    Entry {"body_idle_timeout_ms", Connections,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Silence allowed inside a body")},
    Entry {"keep_alive_idle_timeout_ms", Connections,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Idle keep-alive connection kept for")},
    Entry {"min_transfer_rate_bytes_per_s", Connections,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Slowest transfer rate allowed")},
    Entry {"min_transfer_rate_window_ms", Connections,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Transfer rate measured over")},
    Entry {"response_deadline_ms", Connections,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Time to start answering")},
    Entry {"shutdown_grace_ms", Connections,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Grace for requests at stop")},
    Entry {"max_request_line_bytes", Connections,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Request line size")},
    Entry {"max_header_bytes", Connections,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Request head size")},
    Entry {"max_header_fields", Connections,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Header fields per request")},
    Entry {"max_chunk_extension_bytes", Connections,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Chunk extension size")},
    Entry {"max_json_body_bytes", Connections,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "JSON body size")},
    Entry {"response_high_water_bytes", Connections,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Unsent answer held per connection")},
    Entry {"max_send_buffer_bytes", Connections,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Unsent answers held, in all")},
    Entry {"socket_read_buffer_bytes", Connections,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Read buffer per connection")},
    Entry {"max_streams", Connections,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Live streams open")},
    Entry {"account_share_percent", Connections,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "One account's share of a shared limit")},

    Entry {"max_upload_bytes", Uploads, QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Upload size")},
    Entry {"max_concurrent_uploads", Uploads,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Uploads at once, in all")},
    Entry {"max_uploads_per_account", Uploads,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Uploads at once per account")},
    Entry {"max_upload_temp_bytes", Uploads,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Unfinished uploads on disk, in all")},
    Entry {"max_account_upload_temp_bytes", Uploads,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Unfinished uploads on disk per account")},
    Entry {"max_account_stored_upload_bytes", Uploads,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Stored uploads per account")},
    Entry {"upload_buffer_bytes", Uploads,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Upload bytes buffered before disk")},
    Entry {"max_multipart_parts", Uploads,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Form parts")},
    Entry {"max_multipart_file_parts", Uploads,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Files per form")},
    Entry {"max_multipart_fields", Uploads,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Form fields")},
    Entry {"max_multipart_field_bytes", Uploads,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Form field size")},
    Entry {"max_multipart_part_header_bytes", Uploads,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Form part head size")},
    Entry {"image_decode_max_bytes", Uploads,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Memory to decode an image")},
    Entry {"image_decode_max_ms", Uploads,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Time to decode an image")},

    Entry {"live_export_max_days", Exports,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Days in a direct export")},
    Entry {"live_export_max_rows", Exports,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Rows in a direct export")},
    Entry {"max_live_exports", Exports,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Direct exports at once, in all")},
    Entry {"max_live_exports_per_account", Exports,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Direct exports at once per account")},
    Entry {"max_export_jobs_per_account", Exports,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Export jobs per account")},
    Entry {"export_batch_rows", Exports,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Rows read at a time")},
    Entry {"export_stall_timeout_ms", Exports,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Stalled export reader ended after")},

    Entry {"max_queue_depth", Jobs,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Jobs waiting, in all")},
    Entry {"max_jobs_per_account", Jobs,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Jobs waiting per account")},
    Entry {"max_active_jobs", Jobs,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Jobs running at once")},
    Entry {"job_max_runtime_ms", Jobs,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Longest run of a job")},
    Entry {"max_attempts", Jobs, QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Attempts per job")},
    Entry {"retry_base_delay_ms", Jobs,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "First retry after")},
    Entry {"retry_max_delay_ms", Jobs,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Longest retry delay")},
    Entry {"cancel_grace_ms", Jobs,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Grace for a cancelled job")},

    Entry {"min_free_disk_bytes", Disk,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Free disk kept")},
    Entry {"max_result_bytes", Disk,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Job results, in all")},
    Entry {"max_account_result_bytes", Disk,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Job results per account")},
    Entry {"max_results_per_account", Disk,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Job results kept per account")},
    Entry {"result_ttl_ms", Disk,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Job results kept for")},
    Entry {"result_eviction_floor_ms", Disk,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Results never evicted younger than")},
    Entry {"temp_file_ttl_ms", Disk,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Abandoned temporary files kept for")},
    Entry {"resumable_upload_ttl_ms", Disk,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Unfinished resumable uploads kept for")},
    Entry {"expiry_sweep_interval_ms", Disk,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Expiry checked every")},

    Entry {"metrics_interval_ms", Observability,
           QT_TRANSLATE_NOOP("sluice::ui::LimitText", "Sample every")},
};

struct UnitStep
{
    const char *name;
    qint64 factor;
};

constexpr std::array SizeUnits {UnitStep {"TiB", 1LL << 40}, UnitStep {"GiB", 1LL << 30},
                                UnitStep {"MiB", 1LL << 20}, UnitStep {"KiB", 1LL << 10}};
constexpr std::array DurationUnits {UnitStep {"d", 86'400'000}, UnitStep {"h", 3'600'000},
                                    UnitStep {"min", 60'000}, UnitStep {"s", 1'000}};

bool isSize(const char *unit)
{
    return qstrcmp(unit, "bytes") == 0 || qstrcmp(unit, "bytes_per_s") == 0;
}

bool isDuration(const char *unit)
{
    return qstrcmp(unit, "ms") == 0;
}

// The base unit's own name after a number ("bytes", "ms", "%", ...), as the
// config file and the admin API say it: always accepted when typed.
QString baseName(const char *unit)
{
    if (qstrcmp(unit, "bytes") == 0)
        return u"bytes"_s;
    if (qstrcmp(unit, "bytes_per_s") == 0)
        return u"bytes/s"_s;
    if (qstrcmp(unit, "ms") == 0)
        return u"ms"_s;
    if (qstrcmp(unit, "percent") == 0)
        return u"%"_s;
    if (qstrcmp(unit, "days") == 0)
        return u"days"_s;
    return {};
}

// The base unit after `value` in the window's language (unit symbols such as
// ms, KiB and % are the same in every language; "bytes" and "days" are not).
QString shownWithBase(qint64 value, const char *unit)
{
    if (isSize(unit)) {
        const QString text = u"%1 %2"_s.arg(value).arg(LimitText::tr("bytes"));
        return qstrcmp(unit, "bytes_per_s") == 0 ? text + u"/s"_s : text;
    }
    if (qstrcmp(unit, "days") == 0 && value <= std::numeric_limits<int>::max())
        return LimitText::tr("%n days", nullptr, int(value));
    const QString base = baseName(unit);
    return base.isEmpty() ? QString::number(value) : u"%1 %2"_s.arg(value).arg(base);
}

// Whether `suffix` names the base unit, in English or as shownWithBase() says it.
bool isBaseName(const QString &suffix, qint64 value, const char *unit)
{
    if (suffix.compare(baseName(unit), Qt::CaseInsensitive) == 0)
        return true;
    const QString shown = shownWithBase(value, unit);
    const QString number = QString::number(value);
    return shown.startsWith(number)
        && suffix.compare(QStringView(shown).mid(number.size()).trimmed(), Qt::CaseInsensitive)
        == 0;
}

} // namespace

QStringList limitGroups()
{
    return {LimitText::tr("Connections and HTTP"),
            LimitText::tr("Uploads"),
            LimitText::tr("Exports"),
            LimitText::tr("Jobs"),
            LimitText::tr("Disk"),
            LimitText::tr("Observability"),
            LimitText::tr("Other")};
}

LimitLabel limitLabel(const QString &key)
{
    for (int i = 0; i < int(Entries.size()); ++i) {
        if (key == QLatin1StringView(Entries[i].key))
            return {Entries[i].group, LimitText::tr(Entries[i].label), i};
    }
    return {Other, key, int(Entries.size())};
}

bool hasThousandsSeparator(const QString &text)
{
    static const QRegularExpression grouped(
        u"^\\s*[1-9]\\d{0,2}[.,]\\d{3}(?:[.,]\\d{3})*(?!\\d)"_s);
    return grouped.match(text).hasMatch();
}

std::optional<qint64> parseLimitValue(const QString &text, const char *unit)
{
    static const QRegularExpression pattern(u"^\\s*(\\d+(?:[.,]\\d+)?)\\s*([A-Za-z%/]*)\\s*$"_s);
    const QRegularExpressionMatch m = pattern.match(text);
    if (!m.hasMatch())
        return std::nullopt;
    QString number = m.captured(1);
    number.replace(u',', u'.');
    const QString suffix = m.captured(2);
    qint64 factor = 1;
    if (!suffix.isEmpty() && !isBaseName(suffix, number.section(u'.', 0, 0).toLongLong(), unit)
        && !(isSize(unit) && (suffix.compare(u"B"_s, Qt::CaseInsensitive) == 0))) {
        bool known = false;
        if (isSize(unit)) {
            for (const UnitStep &u : SizeUnits) {
                const QString name = QLatin1StringView(u.name);
                const QString decimalLooking = name.left(1) + u"B"_s; // "KB" meaning KiB
                QString bare = suffix;
                if (bare.endsWith(u"/s"_s) && qstrcmp(unit, "bytes_per_s") == 0)
                    bare.chop(2);
                if (bare.compare(name, Qt::CaseInsensitive) == 0
                    || bare.compare(decimalLooking, Qt::CaseInsensitive) == 0) {
                    factor = u.factor;
                    known = true;
                }
            }
        } else if (isDuration(unit)) {
            for (const UnitStep &u : DurationUnits) {
                if (suffix.compare(QLatin1StringView(u.name), Qt::CaseInsensitive) == 0) {
                    factor = u.factor;
                    known = true;
                }
            }
        }
        if (!known)
            return std::nullopt;
    }
    // Exactly: "1.5 KiB" is 1536 bytes; "1.3 KiB" is not a whole number of bytes.
    const qsizetype dot = number.indexOf(u'.');
    const QString whole = dot < 0 ? number : number.left(dot);
    const QString fraction = dot < 0 ? QString() : number.mid(dot + 1);
    // A base unit takes whole numbers only, and three digits after a
    // separator may be a thousands separator in either language: German
    // "10.000" (ten thousand) was read as 10, English "1,000" as 1.
    if (!fraction.isEmpty() && (factor == 1 || hasThousandsSeparator(text)))
        return std::nullopt;
    bool ok = false;
    const qint64 w = whole.toLongLong(&ok);
    if (!ok || (factor > 1 && w > std::numeric_limits<qint64>::max() / factor))
        return std::nullopt;
    qint64 value = w * factor;
    if (!fraction.isEmpty()) {
        if (fraction.size() > 12)
            return std::nullopt;
        const qint64 denominator = qint64(std::pow(10, fraction.size()));
        const qint64 numerator = fraction.toLongLong(&ok);
        qint64 scaled = 0;
        if (!ok || __builtin_mul_overflow(numerator, factor, &scaled) || scaled % denominator != 0
            || __builtin_add_overflow(value, scaled / denominator, &value))
            return std::nullopt;
    }
    return value;
}

QString limitValueText(qint64 value, const char *unit)
{
    const auto withSteps = [value](const auto &steps, const QString &base) {
        for (const UnitStep &u : steps) {
            if (value != 0 && value % u.factor == 0)
                return u"%1 %2"_s.arg(value / u.factor).arg(QLatin1StringView(u.name));
        }
        return u"%1 %2"_s.arg(value).arg(base);
    };
    if (isSize(unit)) {
        QString text = withSteps(SizeUnits, LimitText::tr("bytes"));
        if (qstrcmp(unit, "bytes_per_s") == 0)
            text += u"/s"_s;
        return text;
    }
    if (isDuration(unit))
        return withSteps(DurationUnits, u"ms"_s);
    return shownWithBase(value, unit);
}

} // namespace sluice::ui
