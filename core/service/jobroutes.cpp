#include "service/jobroutes.h"

#include "http/exchange.h"
#include "http/fileresponse.h"
#include "http/jsonbodysink.h"
#include "jobs/jobengine.h"
#include "jobs/jobjson.h"

#include <QJsonArray>
#include <QPointer>

using namespace Qt::StringLiterals;

namespace sluice::service {

namespace {

using http::Access;
using http::Exchange;
using http::HttpError;
using http::Response;

// The id from the path, or an answer when it cannot be one.
std::optional<QString> jobIdOf(Exchange &ex)
{
    const QString id = ex.pathParam(u"id"_s);
    if (!jobs::isValidJobId(id)) {
        ex.respond(HttpError {404, u"no job %1"_s.arg(id.left(64))});
        return std::nullopt;
    }
    return id;
}

Response controlResponse(const jobs::ControlResult &r, int okStatus)
{
    switch (r.status) {
    case jobs::ControlResult::Status::Ok:
        return okStatus == 204 ? Response::text(204, {})
                               : Response::json(okStatus, jobs::toJson(*r.job));
    case jobs::ControlResult::Status::NotFound:
        return Response::error({404, r.message});
    case jobs::ControlResult::Status::Conflict:
        return Response::error({409, r.message});
    case jobs::ControlResult::Status::Refused:
        return refusalResponse(*r.refusal);
    case jobs::ControlResult::Status::Failed:
        break;
    }
    return Response::error({500, r.message});
}

} // namespace

Response refusalResponse(const jobs::Refusal &r)
{
    int status = 503;
    switch (r.reason) {
    case jobs::Refusal::Reason::AccountBusy:
        status = 429;
        break;
    case jobs::Refusal::Reason::BadRequest:
        status = 400;
        break;
    case jobs::Refusal::Reason::DiskSpace:
    case jobs::Refusal::Reason::AccountResults:
        status = 507;
        break;
    case jobs::Refusal::Reason::QueueFull:
    case jobs::Refusal::Reason::ResultSpace:
    case jobs::Refusal::Reason::Unavailable:
        status = 503;
        break;
    }
    Response resp = r.limit.isEmpty()
        ? Response::error({status, r.message})
        : Response::error(HttpError::limitExceeded(status, r.message, r.limit, r.value));
    if (status == 429 || status == 503)
        resp.headers.add("Retry-After", "5");
    return resp;
}

namespace {

// Reports the parameter at fault and what is allowed.
// GET /jobs's query: the store's filter, and whether each job comes with
// its params and attempt log.
struct ListQuery
{
    jobs::JobQuery query;
    bool detail = false;
};

std::optional<ListQuery> parseQuery(Exchange &ex)
{
    ListQuery list;
    jobs::JobQuery &q = list.query;
    const QUrlQuery &query = ex.request().query;
    for (const auto &[key, value] : query.queryItems(QUrl::FullyDecoded)) {
        bool ok = true;
        if (key == u"state"_s) {
            q.state = jobs::jobStateFromString(value);
            ok = q.state.has_value();
            if (!ok) {
                ex.respond(HttpError {
                    400,
                    u"unknown state '%1' (allowed: queued, running, succeeded, failed, cancelled, expired)"_s
                        .arg(value.left(32))});
                return std::nullopt;
            }
        } else if (key == u"kind"_s) {
            q.kind = value;
        } else if (key == u"detail"_s) {
            if (value != u"true"_s && value != u"false"_s) {
                ex.respond(HttpError {400, u"parameter 'detail' must be true or false"_s});
                return std::nullopt;
            }
            list.detail = value == u"true"_s;
        } else if (key == u"offset"_s) {
            q.offset = value.toInt(&ok);
            ok = ok && q.offset >= 0;
        } else if (key == u"limit"_s) {
            q.limit = value.toInt(&ok);
            ok = ok && q.limit >= 1 && q.limit <= 500;
        } else {
            ex.respond(HttpError {
                400,
                u"unknown parameter '%1' (allowed: state, kind, offset, limit, detail)"_s.arg(
                    key.left(32))});
            return std::nullopt;
        }
        if (!ok) {
            ex.respond(HttpError {400,
                                  u"parameter '%1' must be %2"_s.arg(
                                      key,
                                      key == u"limit"_s ? u"a whole number from 1 to 500"_s
                                                        : u"a whole number from 0"_s)});
            return std::nullopt;
        }
    }
    return list;
}

} // namespace

jobs::Principal principalOf(const http::Exchange &ex)
{
    return {ex.request().accountId, ex.request().account, ex.request().admin};
}

void respondSubmitted(http::Exchange &ex, const jobs::SubmitResult &result)
{
    if (result.refusal) {
        ex.respond(refusalResponse(*result.refusal));
        return;
    }
    http::Response resp = http::Response::json(202, jobs::toJson(*result.job));
    resp.headers.add("Location", "/jobs/" + result.job->id.toLatin1());
    ex.respond(std::move(resp));
}

void addJobRoutes(http::Router &router, jobs::JobEngine *engine, QObject *replyTo,
                  std::function<config::Limits()> limits)
{
    router.add("GET", u"/jobs"_s, Access::Account, [=](Exchange &ex) {
        const auto query = parseQuery(ex);
        if (!query)
            return;
        QPointer<Exchange> p(&ex);
        const jobs::JobQuery q = query->query;
        const bool detail = query->detail;
        engine->list(q, principalOf(ex), replyTo, [p, q, detail](Expected<jobs::JobPage> page) {
            if (!p)
                return;
            if (!page) {
                p->respond(HttpError {500, page.error().message});
                return;
            }
            QJsonArray list;
            for (const jobs::JobRecord &job : page->jobs)
                list.append(jobs::toJson(job, detail));
            p->respond(Response::json(200,
                                      QJsonObject {{u"jobs"_s, list},
                                                   {u"total"_s, page->total},
                                                   {u"offset"_s, q.offset},
                                                   {u"limit"_s, q.limit}}));
        });
    });

    // Diagnostic submission (admins): {"kind": "selftest", "params": {...}}.
    // Exports and uploads create their jobs through their own routes.
    router.add("POST", u"/jobs"_s, Access::Admin, [=](Exchange &ex) {
        http::JsonBodySink::receive(
            ex, limits().maxJsonBodyBytes, [=](Exchange &ex, const QJsonObject &body) {
                const QString kind = body.value(u"kind"_s).toString();
                if (kind.isEmpty()
                    || (body.contains(u"params"_s) && !body.value(u"params"_s).isObject())) {
                    ex.respond(
                        HttpError {400, u"expected {\"kind\": \"...\", \"params\": {...}}"_s});
                    return;
                }
                QPointer<Exchange> p(&ex);
                engine->submit(kind, body.value(u"params"_s).toObject(), principalOf(ex), replyTo,
                               [p](jobs::SubmitResult r) {
                                   if (p)
                                       respondSubmitted(*p, r);
                               });
            });
    });

    router.add("GET", u"/jobs/{id}"_s, Access::Account, [=](Exchange &ex) {
        const auto id = jobIdOf(ex);
        if (!id)
            return;
        QPointer<Exchange> p(&ex);
        engine->get(*id, principalOf(ex), replyTo,
                    [p, id = *id](std::optional<jobs::JobRecord> job) {
                        if (p)
                            p->respond(job ? Response::json(200, jobs::toJson(*job))
                                           : Response::error({404, u"no job %1"_s.arg(id)}));
                    });
    });

    const auto control = [=](auto method, int okStatus) {
        return [=](Exchange &ex) {
            const auto id = jobIdOf(ex);
            if (!id)
                return;
            QPointer<Exchange> p(&ex);
            (engine->*method)(*id, principalOf(ex), replyTo, [p, okStatus](jobs::ControlResult r) {
                if (p)
                    p->respond(controlResponse(r, okStatus));
            });
        };
    };
    router.add("POST", u"/jobs/{id}/cancel"_s, Access::Account,
               control(&jobs::JobEngine::cancel, 200));
    router.add("POST", u"/jobs/{id}/retry"_s, Access::Account,
               control(&jobs::JobEngine::retry, 200));
    router.add("DELETE", u"/jobs/{id}"_s, Access::Account, control(&jobs::JobEngine::remove, 204));

    router.add("GET", u"/jobs/{id}/result"_s, Access::Account, [=](Exchange &ex) {
        const auto id = jobIdOf(ex);
        if (!id)
            return;
        QPointer<Exchange> p(&ex);
        // The engine opens the file where the sweep and delete run: a result
        // it finds cannot vanish before it is sent (it answered 404 when the
        // sweep came between the look-up and the open).
        engine->openResult(*id, principalOf(ex), replyTo, [p, id = *id](jobs::ResultLookup lookup) {
            if (!p)
                return;
            const auto &job = lookup.job;
            if (!job) {
                p->respond(HttpError {404, u"no job %1"_s.arg(id)});
            } else if (job->state == jobs::JobState::Expired) {
                p->respond(HttpError {
                    410, u"the result of job %1 has expired (%2)"_s.arg(id, job->lastError)});
            } else if (job->state == jobs::JobState::Succeeded && !lookup.file) {
                p->respond(HttpError {500, lookup.openError});
            } else if (job->state != jobs::JobState::Succeeded || job->resultPath.isEmpty()) {
                p->respond(HttpError {
                    409, u"job %1 is %2; it has no result"_s.arg(id, jobs::toString(job->state))});
            } else {
                http::FileResponseOptions options;
                options.downloadName = job->resultName;
                options.mimeType = job->resultMime.toUtf8();
                // Distinct for every publication, even of a same-size result.
                options.etag = "\"" + job->id.toLatin1() + '-'
                    + QByteArray::number(job->finishedAt.toMSecsSinceEpoch()) + '-'
                    + QByteArray::number(job->resultSize) + "\"";
                p->respond(http::fileResponse(p->request(), lookup.file->take(), options));
            }
        });
    });
}

} // namespace sluice::service
