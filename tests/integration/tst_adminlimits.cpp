// GET and PATCH /admin/limits (issue 20) against an in-process Service: the
// route takes the window's own path (Service::updateLimits), all or nothing,
// persisted, applied, recorded with the account, and two PATCHes at once
// both land. The requests are sent from another thread: PATCH is answered
// only after the Service (this thread) has saved and applied the change.
#include "servicefixture.h"
#include "testsupport.h"

#include "config/config.h"
#include "service/service.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <future>

using namespace sluice;
using namespace sluice::test;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace {

QJsonObject byName(const QByteArray &body)
{
    QJsonObject out;
    for (const QJsonValue &v : QJsonDocument::fromJson(body).object().value(u"limits"_s).toArray())
        out.insert(v.toObject().value(u"name"_s).toString(), v);
    return out;
}

} // namespace

class tst_AdminLimits : public QObject
{
    Q_OBJECT
private slots:
    void getDescribesEveryLimit();
    void patchAppliesPersistsAndRecords();
    void patchNamesEveryBadFieldAndChangesNothing();
    void patchesAtOnceBothLand();
    void onlyAdmins();
};

void tst_AdminLimits::getDescribesEveryLimit()
{
    ServiceFixture f;
    QVERIFY(f.start());
    auto get = f.send(sluice::test::get("/admin/limits", bearer(f.admin)));
    const Reply r = f.wait(get);
    QCOMPARE(r.status, 200);
    const QJsonArray list = QJsonDocument::fromJson(r.body).object().value(u"limits"_s).toArray();
    QCOMPARE(list.size(), config::limitFields().size());
    const config::Limits running = f.service->limits();
    for (qsizetype i = 0; i < list.size(); ++i) {
        const config::LimitField &field = config::limitFields().at(i);
        const QJsonObject o = list.at(i).toObject();
        QCOMPARE(o.value(u"name"_s).toString(), QLatin1StringView(field.key));
        QCOMPARE(o.value(u"value"_s).toInteger(), running.*field.member);
        QCOMPARE(o.value(u"min"_s).toInteger(), field.minimum);
        QCOMPARE(o.value(u"max"_s).toInteger(), field.maximum);
        QCOMPARE(o.value(u"default"_s).toInteger(), field.defaultValue);
        QVERIFY(!o.value(u"unit"_s).toString().isEmpty());
        QVERIFY(!o.value(u"description"_s).toString().isEmpty());
    }
}

void tst_AdminLimits::patchAppliesPersistsAndRecords()
{
    ServiceFixture f;
    QVERIFY(f.start());
    QSignalSpy changed(f.service.get(), &service::ServiceFacade::limitsChanged);
    const Reply r = f.patch(f.admin, R"({"max_active_jobs": 5, "result_ttl_ms": 7200000})");
    QCOMPARE(r.status, 200);
    const QJsonObject answer = byName(r.body);
    QCOMPARE(answer.value(u"max_active_jobs"_s)[u"value"_s].toInteger(), 5);
    QCOMPARE(answer.value(u"result_ttl_ms"_s)[u"value"_s].toInteger(), 7'200'000);
    // Answered after the service took it: running, in the file, signalled.
    QCOMPARE(f.service->limits().maxActiveJobs, 5);
    QCOMPARE(f.service->limits().resultTtlMs, 7'200'000);
    QCOMPARE(f.fileLimits().value(u"max_active_jobs"_s).toInteger(), 5);
    QCOMPARE(changed.size(), 1);
    // The others stay as they were.
    QCOMPARE(f.service->limits().maxConnections, config::Limits {}.maxConnections);
    // A GET on the HTTP thread sees it too.
    auto get = f.send(sluice::test::get("/admin/limits", bearer(f.admin)));
    QCOMPARE(byName(f.wait(get).body).value(u"max_active_jobs"_s)[u"value"_s].toInteger(), 5);
    bool recorded = false;
    for (const metrics::Event &e : f.service->recentEvents()) {
        recorded |= e.kind == u"limits_changed"_s && e.detail.contains(u"max_active_jobs 2 -> 5"_s)
            && e.detail.contains(u"(by operator)"_s);
    }
    QVERIFY(recorded);
}

void tst_AdminLimits::patchNamesEveryBadFieldAndChangesNothing()
{
    ServiceFixture f;
    QVERIFY(f.start());
    QFile file(f.configPath());
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray before = file.readAll();
    file.close();
    QSignalSpy changed(f.service.get(), &service::ServiceFacade::limitsChanged);
    // One good change among four bad ones: nothing applies.
    const Reply r = f.patch(f.admin, R"({"max_active_jobs": 5, "max_connections": 0,
                                         "no_such_limit": 1, "max_attempts": "3",
                                         "max_connections_per_client": 1000})");
    QCOMPARE(r.status, 400);
    const QJsonObject o = QJsonDocument::fromJson(r.body).object();
    const QJsonObject fields = o.value(u"fields"_s).toObject();
    QCOMPARE(fields.keys(),
             QStringList({u"max_attempts"_s, u"max_connections"_s, u"max_connections_per_client"_s,
                          u"no_such_limit"_s}));
    QVERIFY2(fields.value(u"max_connections"_s).toString().contains(u"between 1 and"_s),
             r.body.constData());
    QVERIFY(
        o.value(u"error"_s).toString().startsWith(u"4 limits are invalid, nothing was changed"_s));
    QCOMPARE(f.service->limits(), config::Limits {});
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), before);
    QCOMPARE(changed.size(), 0);
}

// Each PATCH starts from the one before it (read-modify-write under the
// config file's lock, on one writer thread): two sent at once, on different
// limits, are both in effect afterwards, and so is the window's Apply made
// meanwhile.
void tst_AdminLimits::patchesAtOnceBothLand()
{
    ServiceFixture f;
    QVERIFY(f.start());
    for (int round = 0; round < 5; ++round) {
        const QByteArray a = "{\"max_active_jobs\": " + QByteArray::number(3 + round) + "}";
        const QByteArray b = "{\"max_attempts\": " + QByteArray::number(4 + round) + "}";
        auto first = f.send(ServiceFixture::patchRequest(f.admin, a));
        auto second = f.send(ServiceFixture::patchRequest(f.admin, b));
        QCOMPARE(f.wait(first).status, 200);
        QCOMPARE(f.wait(second).status, 200);
        QCOMPARE(f.service->limits().maxActiveJobs, 3 + round);
        QCOMPARE(f.service->limits().maxAttempts, 4 + round);
        QCOMPARE(f.fileLimits().value(u"max_active_jobs"_s).toInteger(), 3 + round);
        QCOMPARE(f.fileLimits().value(u"max_attempts"_s).toInteger(), 4 + round);
    }
}

void tst_AdminLimits::onlyAdmins()
{
    ServiceFixture f;
    QVERIFY(f.start());
    auto get = f.send(sluice::test::get("/admin/limits", bearer(f.user)));
    QCOMPARE(f.wait(get).status, 403);
    QCOMPARE(f.patch(f.user, R"({"max_active_jobs": 5})").status, 403);
    auto anonymous = f.send(sluice::test::get("/admin/limits"));
    QCOMPARE(f.wait(anonymous).status, 401);
    QCOMPARE(f.service->limits().maxActiveJobs, config::Limits {}.maxActiveJobs);
}

QTEST_GUILESS_MAIN(tst_AdminLimits)
#include "tst_adminlimits.moc"
