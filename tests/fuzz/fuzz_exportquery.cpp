// The export request parsers: arbitrary query strings (as GET
// /exports/orders.csv receives them) and arbitrary JSON bodies (POST
// /exports, job parameters) against the demo dataset. Invariants: nothing
// crashes; an accepted request has a valid range (from <= to), filters only
// on the dataset's filterable columns, a non-negative limit; its SQL binds
// every value (as many '?' as bindings, no value spliced into the text); and
// its job parameters parse back to the same request.
#include "fuzzinput.h"

#include "export/exportrequest.h"

#include <QJsonDocument>
#include <QUrlQuery>

using namespace sluice;

namespace {

void checkAccepted(const config::Dataset &dataset, const exports::ExportRequest &request)
{
    SLUICE_FUZZ_CHECK(request.from.isValid() && request.to.isValid());
    SLUICE_FUZZ_CHECK(request.from <= request.to);
    SLUICE_FUZZ_CHECK(request.limit >= 0);
    for (const auto &[column, value] : request.filters)
        SLUICE_FUZZ_CHECK(dataset.filterColumns.contains(column));
    const exports::ExportQuery query = exports::buildQuery(dataset, request, 1000);
    SLUICE_FUZZ_CHECK(query.select.count(u'?') == query.bindings.size());
    for (const auto &[column, value] : request.filters) // bound, never spliced in quotes
        SLUICE_FUZZ_CHECK(!query.select.contains(u'\'' + value + u'\''));
    const auto again = exports::parseJobRequest(dataset, request.toJobParams());
    SLUICE_FUZZ_CHECK(again.hasValue());
    // Filters are a set: the job parameters hold them as a JSON object.
    auto sorted = [](QList<std::pair<QString, QString>> filters) {
        std::sort(filters.begin(), filters.end());
        return filters;
    };
    SLUICE_FUZZ_CHECK(again->from == request.from && again->to == request.to
                      && sorted(again->filters) == sorted(request.filters)
                      && again->limit == request.limit && again->format == request.format);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const config::Dataset dataset = config::Dataset::demoOrders();
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));

    const QUrlQuery query(QString::fromUtf8(bytes));
    if (const auto live = exports::parseLiveRequest(dataset, query))
        checkAccepted(dataset, *live);

    const QJsonDocument document = QJsonDocument::fromJson(bytes);
    if (document.isObject()) {
        if (const auto job = exports::parseJobRequest(dataset, document.object()))
            checkAccepted(dataset, *job);
    }
    return 0;
}
