// The embedded service's export commands (issue 23): the window's "New
// export" on the code paths of GET /exports, POST /exports/estimate and
// POST /exports (service/exportpreview.h), so it gets their wording.
#include "service/service.h"

#include "export/exportcatalog.h"
#include "jobs/jobengine.h"
#include "service/exportpreview.h"

#include <QPointer>

using namespace Qt::StringLiterals;

namespace sluice::service {

namespace {
// The person at the window, as in service.cpp: an admin owning no account.
const jobs::Principal kWindowOperator {QString(), u"operator"_s, true};
} // namespace

void Service::requestExportCatalog()
{
    qRegisterMetaType<QList<DatasetInfo>>();
    describeDatasets(m_exports, m_config.limits.exportStallTimeoutMs, this,
                     [this](const QList<DatasetInfo> &datasets) {
                         emit exportCatalogReady(datasets, QString());
                     });
}

void Service::estimateExport(const QJsonObject &request)
{
    qRegisterMetaType<ExportEstimate>();
    // Answers by signal from the event loop, even a refusal known at once.
    const auto answer = [self = QPointer<Service>(this), request](const ExportEstimate &e) {
        if (self)
            QMetaObject::invokeMethod(
                self.get(), [self, request, e] { emit self->exportEstimated(request, e); },
                Qt::QueuedConnection);
    };
    const auto parsed = parseExportBody(*m_exports, request);
    if (!parsed)
        return answer({false, 0, false, parsed.error().message});
    estimateRows(*m_exports, *parsed, m_config.limits, kWindowOperator, this,
                 [answer](Expected<ExportEstimate, http::HttpError> estimate) {
                     if (estimate)
                         return answer(*estimate);
                     const int status = estimate.error().status;
                     answer(ExportEstimate {false, 0, false, estimate.error().message,
                                            status == 429 || status == 503});
                 });
}

void Service::submitExport(const QJsonObject &request)
{
    qRegisterMetaType<ExportSubmitResult>();
    const auto answer = [self = QPointer<Service>(this), request](const ExportSubmitResult &r) {
        if (self)
            QMetaObject::invokeMethod(
                self.get(), [self, request, r] { emit self->exportSubmitted(request, r); },
                Qt::QueuedConnection);
    };
    const auto parsed = parseExportBody(*m_exports, request);
    if (!parsed)
        return answer({false, {}, parsed.error().message, {}});
    m_engine->submit(u"export"_s, parsed->toJobParams(), kWindowOperator, this,
                     [answer](const jobs::SubmitResult &r) {
                         if (r.job)
                             return answer({true, r.job->id, {}, {}});
                         const jobs::Refusal refusal = r.refusal.value_or(jobs::Refusal {});
                         answer({false, {}, refusal.message, refusal.limit});
                     });
}

} // namespace sluice::service
