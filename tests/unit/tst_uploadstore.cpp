// The upload store on the test's thread, with a real job engine: every call
// gets a reply, failures leave nothing behind, and errors name no server path.
#include "jobs/jobengine.h"
#include "upload/uploadstore.h"

#include <QDir>
#include <QFile>
#include <QSqlDatabase>
#include <QSqlQuery>
#include <QTemporaryDir>
#include <QTest>

#include <optional>

using namespace Qt::StringLiterals;
using namespace sluice;
using namespace sluice::upload;

class tst_UploadStore : public QObject
{
    Q_OBJECT

private slots:
    void init();
    void cleanup();
    void storesAndAnswers();
    void failedTransactionStoresNothing();
    void afterShutdownEveryCallIsAnswered();

private:
    PendingUpload pending(const QString &name);
    std::optional<StoreResult<QList<UploadRecord>>> store(const QList<PendingUpload> &uploads);
    QStringList entries(const QString &dir) const
    {
        return QDir(dir).entryList(QDir::Files | QDir::Hidden);
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<jobs::JobEngine> m_engine;
    std::unique_ptr<UploadStore> m_store;
    UploadStore::Paths m_paths;
};

void tst_UploadStore::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_engine
        = std::make_unique<jobs::JobEngine>(jobs::JobEngine::Paths {m_dir->filePath(u"jobs.db"_s),
                                                                    m_dir->filePath(u"tmp/jobs"_s),
                                                                    m_dir->filePath(u"results"_s),
                                                                    {}},
                                            config::Limits {});
    QVERIFY(m_engine->start());
    m_paths = {m_dir->filePath(u"uploads.db"_s), m_dir->filePath(u"uploads"_s),
               m_dir->filePath(u"tmp"_s)};
    m_store = std::make_unique<UploadStore>(m_paths, m_engine.get(), 60'000);
    QVERIFY(m_store->start());
}

void tst_UploadStore::cleanup()
{
    m_store->shutdown();
    m_engine->shutdown();
    m_store.reset();
    m_engine.reset();
}

PendingUpload tst_UploadStore::pending(const QString &name)
{
    const QString path = m_paths.tempDir + u"/upload-"_s + name + u".part"_s;
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly))
        return {};
    file.write("some text\n");
    PendingUpload u;
    u.tempPath = path;
    u.accountId = u.account = u"alice"_s;
    u.name = name;
    u.size = 10;
    u.sha256 = QByteArray(64, '0');
    u.mime = u"text/plain"_s;
    return u;
}

std::optional<StoreResult<QList<UploadRecord>>>
tst_UploadStore::store(const QList<PendingUpload> &uploads)
{
    std::optional<StoreResult<QList<UploadRecord>>> answer;
    QObject replyTo;
    m_store->store(uploads, &replyTo,
                   [&answer](StoreResult<QList<UploadRecord>> r) { answer = std::move(r); });
    if (!QTest::qWaitFor([&] { return answer.has_value(); }, 5000))
        qWarning("the upload store did not answer within 5 s"); // the caller sees nullopt
    return answer;
}

void tst_UploadStore::storesAndAnswers()
{
    const auto answer = store({pending(u"a"_s), pending(u"b"_s)});
    QVERIFY(answer);
    QVERIFY(*answer);
    QCOMPARE((*answer)->size(), 2);
    QCOMPARE(entries(m_paths.uploadsDir).size(), 2);
    QVERIFY(entries(m_paths.tempDir).isEmpty());
}

// BEGIN fails when the connection is inside a transaction already; the store
// used to go on regardless, its inserts outside any transaction of its own.
void tst_UploadStore::failedTransactionStoresNothing()
{
    QSqlDatabase db = QSqlDatabase::database(m_store->connectionName());
    QSqlQuery begin(db);
    QVERIFY(begin.exec(u"BEGIN"_s));

    const auto answer = store({pending(u"a"_s), pending(u"b"_s)});
    QVERIFY(answer);
    QVERIFY(!*answer);
    QCOMPARE(answer->error().kind, StoreError::Kind::Failed);
    QCOMPARE(answer->error().message, u"uploads database: cannot begin a transaction"_s);
    QVERIFY(!answer->error().detail.isEmpty());
    QVERIFY(entries(m_paths.uploadsDir).isEmpty());
    QVERIFY(entries(m_paths.tempDir).isEmpty());

    QSqlQuery rollback(db);
    QVERIFY(rollback.exec(u"ROLLBACK"_s));
    QSqlQuery count(db);
    QVERIFY(count.exec(u"SELECT COUNT(*) FROM uploads"_s) && count.next());
    QCOMPARE(count.value(0).toInt(), 0);
}

void tst_UploadStore::afterShutdownEveryCallIsAnswered()
{
    m_store->shutdown();

    const PendingUpload late = pending(u"late"_s);
    const auto answer = store({late});
    QVERIFY2(answer, "store() after shutdown got no answer");
    QVERIFY(!*answer);
    QCOMPARE(answer->error().kind, StoreError::Kind::Unavailable);
    QVERIFY(!QFile::exists(late.tempPath));

    QObject replyTo;
    std::optional<StoreResult<std::optional<UploadRecord>>> found;
    m_store->get(u"u0123456789abcdef0123456789abcdef"_s, {u"alice"_s, u"alice"_s, false}, &replyTo,
                 [&found](auto r) { found = std::move(r); });
    std::optional<StoreResult<bool>> removed;
    m_store->remove(u"u0123456789abcdef0123456789abcdef"_s, {u"alice"_s, u"alice"_s, false},
                    &replyTo, [&removed](auto r) { removed = std::move(r); });
    QTRY_VERIFY(found && removed);
    QCOMPARE(found->error().kind, StoreError::Kind::Unavailable);
    QCOMPARE(removed->error().kind, StoreError::Kind::Unavailable);
}

QTEST_GUILESS_MAIN(tst_UploadStore)
#include "tst_uploadstore.moc"
