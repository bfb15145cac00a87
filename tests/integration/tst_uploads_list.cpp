// GET /uploads against the real service: who sees which uploads, newest
// first, pages that follow one another with `before`, the total, and the
// parameters it refuses with a 400 that names them.
#include "uploadtesting.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>
#include <QTest>

using namespace sluice;
using namespace sluice::test;
using namespace Qt::StringLiterals;

class tst_UploadsList : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void eachAccountSeesItsOwnAdminsSeeAll();
    void theAccountParameterNarrows();
    void listedAsGetGivesThem();
    void pagesFollowOneAnother();
    void beforeAnUploadId();
    void badParametersAreRefused_data();
    void badParametersAreRefused();
    void needsAToken();

private:
    QJsonObject list(const QByteArray &query, const QString &token, int expectStatus = 200);
    static QStringList idsOf(const QJsonObject &answer);

    std::unique_ptr<UploadFixture> m_f;
    QStringList m_alice; // ids, in upload order
    QStringList m_bob;
};

QJsonObject tst_UploadsList::list(const QByteArray &query, const QString &token, int expectStatus)
{
    const Reply r = m_f->call("GET", "/uploads" + query, token);
    if (r.status != expectStatus)
        qWarning("GET /uploads%s answered %d: %s", query.constData(), r.status, r.body.constData());
    return r.status == expectStatus ? m_f->json(r) : QJsonObject {{u"status"_s, r.status}};
}

QStringList tst_UploadsList::idsOf(const QJsonObject &answer)
{
    QStringList ids;
    for (const QJsonValue &v : answer.value(u"uploads"_s).toArray())
        ids << v[u"id"_s].toString();
    return ids;
}

void tst_UploadsList::initTestCase()
{
    m_f = std::make_unique<UploadFixture>();
    const auto put = [this](const QByteArray &name, const QString &token) {
        const Reply r = m_f->put(name, Csv, token, "Content-Type: text/csv\r\n");
        return r.status == 201 ? m_f->json(r).value(u"id"_s).toString() : QString();
    };
    for (const char *name : {"a1.csv", "a2.csv", "a3.csv"})
        m_alice << put(name, m_f->alice);
    for (const char *name : {"b1.csv", "b2.csv"})
        m_bob << put(name, m_f->bob);
    QVERIFY(!m_alice.contains(QString()) && !m_bob.contains(QString()));
}

void tst_UploadsList::eachAccountSeesItsOwnAdminsSeeAll()
{
    const QJsonObject admin = list({}, m_f->admin);
    QCOMPARE(admin.value(u"total"_s).toInt(), 5);
    const QStringList all = idsOf(admin);
    QStringList expected = m_alice + m_bob;
    QCOMPARE(QSet<QString>(all.begin(), all.end()),
             QSet<QString>(expected.begin(), expected.end()));
    QCOMPARE(all.size(), 5);
    QVERIFY(admin.value(u"next"_s).isNull());
    // Newest first: by time, then by id among those of one millisecond.
    const QJsonArray rows = admin.value(u"uploads"_s).toArray();
    for (qsizetype i = 1; i < rows.size(); ++i) {
        const auto key = [](const QJsonValue &v) {
            return std::pair(v[u"created_at"_s].toString(), v[u"id"_s].toString());
        };
        QVERIFY2(key(rows.at(i - 1)) > key(rows.at(i)), qPrintable(rows.at(i)[u"id"_s].toString()));
    }
    // The last one put is first.
    QCOMPARE(idsOf(admin).first(), m_bob.last());

    const QJsonObject alice = list({}, m_f->alice);
    QCOMPARE(alice.value(u"total"_s).toInt(), 3);
    QStringList newestFirst(m_alice.rbegin(), m_alice.rend());
    QCOMPARE(idsOf(alice), newestFirst);
    for (const QJsonValue &v : alice.value(u"uploads"_s).toArray())
        QCOMPARE(v[u"account"_s].toString(), u"alice"_s);
    const QJsonObject bob = list({}, m_f->bob);
    QCOMPARE(bob.value(u"total"_s).toInt(), 2);
    QCOMPARE(idsOf(bob), QStringList({m_bob.at(1), m_bob.at(0)}));
}

void tst_UploadsList::theAccountParameterNarrows()
{
    const QJsonObject admin = list("?account=alice", m_f->admin);
    QCOMPARE(admin.value(u"total"_s).toInt(), 3);
    QCOMPARE(idsOf(admin).size(), 3);
    // Another account's name shows nothing of it to a non-admin.
    const QJsonObject alice = list("?account=bob", m_f->alice);
    QCOMPARE(alice.value(u"total"_s).toInt(), 0);
    QVERIFY(idsOf(alice).isEmpty());
    QCOMPARE(list("?account=nobody", m_f->admin).value(u"total"_s).toInt(), 0);
}

void tst_UploadsList::listedAsGetGivesThem()
{
    for (const QString &id : std::as_const(m_alice))
        QTRY_COMPARE_WITH_TIMEOUT(m_f->processing(id), u"done"_s, 30'000);
    const QJsonObject alice = list({}, m_f->alice);
    for (const QJsonValue &v : alice.value(u"uploads"_s).toArray()) {
        const QString id = v[u"id"_s].toString();
        QCOMPARE(v.toObject(), m_f->upload(id, m_f->alice));
        QCOMPARE(v[u"processing"_s][u"rows"_s].toInt(), 3);
    }
}

void tst_UploadsList::pagesFollowOneAnother()
{
    QStringList seen;
    QByteArray query = "?limit=2";
    QList<int> pageSizes;
    for (int page = 0; page < 5; ++page) {
        const QJsonObject answer = list(query, m_f->admin);
        QCOMPARE(answer.value(u"total"_s).toInt(), 5); // whatever the page
        seen += idsOf(answer);
        pageSizes << int(idsOf(answer).size());
        const QJsonValue next = answer.value(u"next"_s);
        if (next.isNull())
            break;
        query = "?limit=2&before=" + QUrl::toPercentEncoding(next.toString());
    }
    QCOMPARE(pageSizes, QList<int>({2, 2, 1}));
    QCOMPARE(seen, idsOf(list({}, m_f->admin))); // the same order, nothing twice or missed
}

void tst_UploadsList::beforeAnUploadId()
{
    // Below alice's newest: her two older ones.
    const QJsonObject alice = list("?before=" + m_alice.last().toLatin1(), m_f->alice);
    QCOMPARE(idsOf(alice), QStringList({m_alice.at(1), m_alice.at(0)}));
    QCOMPARE(alice.value(u"total"_s).toInt(), 3);
    // Bob's upload is not alice's to name: as if it did not exist.
    const QJsonObject refused = list("?before=" + m_bob.first().toLatin1(), m_f->alice, 400);
    QCOMPARE(refused.value(u"error"_s).toString(),
             u"parameter 'before': no upload %1"_s.arg(m_bob.first()));
}

void tst_UploadsList::badParametersAreRefused_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QString>("named"); // in the error
    QTest::newRow("limit 0") << QByteArray("?limit=0") << u"'limit'"_s;
    QTest::newRow("limit 1001") << QByteArray("?limit=1001") << u"from 1 to 1000"_s;
    QTest::newRow("limit text") << QByteArray("?limit=ten") << u"'limit'"_s;
    QTest::newRow("limit empty") << QByteArray("?limit=") << u"'limit'"_s;
    QTest::newRow("before junk") << QByteArray("?before=yesterday") << u"'before'"_s;
    QTest::newRow("before bad cursor") << QByteArray("?before=12-x") << u"'before'"_s;
    QTest::newRow("unknown") << QByteArray("?offset=3") << u"unknown parameter 'offset'"_s;
}

void tst_UploadsList::badParametersAreRefused()
{
    QFETCH(QByteArray, query);
    QFETCH(QString, named);
    const QJsonObject answer = list(query, m_f->admin, 400);
    QVERIFY2(answer.value(u"error"_s).toString().contains(named),
             qPrintable(answer.value(u"error"_s).toString()));
}

void tst_UploadsList::needsAToken()
{
    QCOMPARE(m_f->call("GET", "/uploads", {}).status, 401);
}

QTEST_MAIN(tst_UploadsList)
#include "tst_uploads_list.moc"
