// The checks an upload passes through without a socket: media types
// (declared and sniffed), checksum headers, CSV shape, and admission.
#include "config/config.h"
#include "upload/contentpolicy.h"
#include "upload/sha256.h"
#include "upload/uploadgate.h"
#include "upload/uploadprocessjob.h"

#include <QTest>
#include <QThread>

using namespace sluice;
using namespace sluice::upload;
using namespace Qt::StringLiterals;

namespace {

// The error of a result, or nothing (QVERIFY2 evaluates its message always).
template<typename T> QByteArray why(const Expected<T> &result)
{
    return result ? QByteArray() : result.error().message.toUtf8();
}

} // namespace

class tst_UploadChecks : public QObject
{
    Q_OBJECT
private slots:
    void declaredTypes_data();
    void declaredTypes();
    void contentTypes_data();
    void contentTypes();
    void activeContentNeedsItsOwnEntry_data();
    void activeContentNeedsItsOwnEntry();
    void digests_data();
    void digests();
    void csvShape_data();
    void csvShape();
    void csvShapeAnySplit();
    void gateCapsAndReleases();
    void gateBudgetAndDisk();
    void gateAccountShares();
    void ticketDyingOnAnotherThreadReleasesOnTheGatesThread();
    void diskShareCountsUploadsStoredSinceTheReading();
    void retryAfterOnlyWhenWaitingCanHelp();
    void abandonedDeclaredUploadsDoNotEatTheDisk();
};

void tst_UploadChecks::declaredTypes_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QString>("result"); // canonical type, or "!" for refused
    QTest::addRow("absent") << QByteArray() << QString();
    QTest::addRow("octet-stream says nothing")
        << QByteArray("application/octet-stream") << QString();
    QTest::addRow("csv is text/plain's child") << QByteArray("text/csv") << u"text/csv"_s;
    QTest::addRow("parameters and case") << QByteArray("Text/CSV; charset=utf-8") << u"text/csv"_s;
    QTest::addRow("alias") << QByteArray("text/x-csv") << u"text/csv"_s;
    QTest::addRow("listed") << QByteArray("image/png") << u"image/png"_s;
    QTest::addRow("not listed") << QByteArray("application/x-sharedlib") << u"!"_s;
    QTest::addRow("unknown") << QByteArray("application/x-made-up") << u"!"_s;
    // Children of text/plain that a browser runs scripts in.
    QTest::addRow("html") << QByteArray("text/html; charset=utf-8") << u"!"_s;
    QTest::addRow("svg") << QByteArray("image/svg+xml") << u"!"_s;
    QTest::addRow("xhtml") << QByteArray("application/xhtml+xml") << u"!"_s;
}

void tst_UploadChecks::declaredTypes()
{
    QFETCH(QByteArray, contentType);
    QFETCH(QString, result);
    const ContentPolicy policy({u"text/plain"_s, u"image/png"_s});
    const auto checked = policy.checkDeclared(contentType);
    if (result == u"!"_s) {
        QVERIFY(!checked);
        QVERIFY2(checked.error().message.contains(u"text/plain, image/png"_s),
                 qPrintable(checked.error().message)); // names what is allowed
    } else {
        QVERIFY2(checked, why(checked).constData());
        QCOMPARE(*checked, result);
    }
}

void tst_UploadChecks::contentTypes_data()
{
    QTest::addColumn<QString>("name");
    QTest::addColumn<QString>("declared");
    QTest::addColumn<QByteArray>("bytes");
    QTest::addColumn<QString>("result");

    const QByteArray png("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16);
    const QByteArray csv("a,b\r\n1,2\r\n");
    QTest::addRow("csv by name") << u"a.csv"_s << QString() << csv << u"text/csv"_s;
    QTest::addRow("text by content") << u"notes"_s << QString() << csv << u"text/plain"_s;
    QTest::addRow("declared csv, text content") << u"x"_s << u"text/csv"_s << csv << u"text/csv"_s;
    QTest::addRow("png by content, any name") << u"a.csv"_s << QString() << png << u"image/png"_s;
    QTest::addRow("declared png, text content") << u"a.png"_s << u"image/png"_s << csv << u"!"_s;
    QTest::addRow("declared csv, png content") << u"a.csv"_s << u"text/csv"_s << png << u"!"_s;
    QTest::addRow("binary") << u"a.txt"_s << QString() << QByteArray(64, '\x02') << u"!"_s;
    QTest::addRow("pdf not listed")
        << u"a.pdf"_s << QString() << QByteArray("%PDF-1.7\n") << u"!"_s;
    QTest::addRow("empty, declared")
        << u"e"_s << u"text/plain"_s << QByteArray() << u"text/plain"_s;
    QTest::addRow("empty, by name") << u"e.csv"_s << QString() << QByteArray() << u"text/csv"_s;
    QTest::addRow("empty, unknown") << u"e"_s << QString() << QByteArray() << u"!"_s;
    const QByteArray html("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>");
    const QByteArray svg("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\">"
                         "<script>alert(1)</script></svg>");
    QTest::addRow("html by content") << u"a.txt"_s << QString() << html << u"!"_s;
    QTest::addRow("html declared text") << u"a"_s << u"text/plain"_s << html << u"!"_s;
    QTest::addRow("html by name") << u"a.html"_s << QString() << QByteArray("hello") << u"!"_s;
    QTest::addRow("svg by content") << u"a.txt"_s << QString() << svg << u"!"_s;
    QTest::addRow("empty svg by name") << u"e.svg"_s << QString() << QByteArray() << u"!"_s;
}

void tst_UploadChecks::contentTypes()
{
    QFETCH(QString, name);
    QFETCH(QString, declared);
    QFETCH(QByteArray, bytes);
    QFETCH(QString, result);
    const ContentPolicy policy({u"text/plain"_s, u"image/png"_s});
    const auto checked = policy.checkContent(name, declared, bytes);
    if (result == u"!"_s) {
        QVERIFY(!checked);
    } else {
        QVERIFY2(checked, why(checked).constData());
        QCOMPARE(*checked, result);
    }
    // Listing application/octet-stream accepts everything.
    QVERIFY(ContentPolicy({u"application/octet-stream"_s})
                .checkContent(u"x"_s, {}, QByteArray(64, '\x02')));
}

// text/html and SVG inherit text/plain (SVG through application/xml): under
// the default upload types they are refused, naming the entry that would let
// them in, and accepted once the operator lists them by name.
void tst_UploadChecks::activeContentNeedsItsOwnEntry_data()
{
    QTest::addColumn<QString>("type");
    QTest::addColumn<QString>("name");
    QTest::addColumn<QByteArray>("bytes");
    QTest::addRow("html") << u"text/html"_s << u"page.html"_s
                          << QByteArray("<!DOCTYPE html><html><script>alert(1)</script></html>");
    QTest::addRow("svg") << u"image/svg+xml"_s << u"logo.svg"_s
                         << QByteArray("<svg xmlns=\"http://www.w3.org/2000/svg\">"
                                       "<script>alert(1)</script></svg>");
}

void tst_UploadChecks::activeContentNeedsItsOwnEntry()
{
    QFETCH(QString, type);
    QFETCH(QString, name);
    QFETCH(QByteArray, bytes);
    const QStringList defaults = config::Config::defaultUploadTypes();
    QVERIFY(defaults.contains(u"text/plain"_s)); // the parent that let them in
    const ContentPolicy byDefault(defaults);
    const auto declared = byDefault.checkDeclared(type.toLatin1());
    QVERIFY(!declared);
    QVERIFY2(declared.error().message.contains(
                 u"%1 is accepted only when upload_types lists it by name"_s.arg(type)),
             qPrintable(declared.error().message));
    QVERIFY(!byDefault.checkContent(name, {}, bytes));
    QVERIFY(!byDefault.checkContent(name, u"text/plain"_s, bytes));
    // Listing everything is not listing them.
    QVERIFY(!ContentPolicy({u"application/octet-stream"_s}).checkContent(name, {}, bytes));

    const ContentPolicy listed(defaults + QStringList {type});
    const auto accepted = listed.checkDeclared(type.toLatin1());
    QVERIFY2(accepted, why(accepted).constData());
    QCOMPARE(*accepted, type);
    const auto content = listed.checkContent(name, {}, bytes);
    QVERIFY2(content, why(content).constData());
    QCOMPARE(*content, type);
    // Still a plain text file under the defaults.
    QVERIFY(byDefault.checkContent(u"notes.txt"_s, {}, "1 < 2, not a page"));
}

void tst_UploadChecks::digests_data()
{
    QTest::addColumn<QList<QByteArray>>("fields"); // name, value, name, value...
    QTest::addColumn<QString>("result"); // hex, "" for none, "!" for an error

    const QByteArray d = Sha256::digest("abc");
    const QString hex = Sha256::toHex(d);
    const QByteArray b64 = d.toBase64();
    using L = QList<QByteArray>;
    QTest::addRow("none") << L {"Content-Type", "text/plain"} << QString();
    QTest::addRow("x-checksum hex") << L {"X-Checksum-Sha256", d.toHex()} << hex;
    QTest::addRow("x-checksum HEX") << L {"x-checksum-sha256", d.toHex().toUpper()} << hex;
    QTest::addRow("x-checksum base64") << L {"X-Checksum-Sha256", b64} << hex;
    QTest::addRow("content-digest") << L {"Content-Digest", "sha-256=:" + b64 + ":"} << hex;
    QTest::addRow("repr-digest among others")
        << L {"Repr-Digest", "sha-512=:AAAA:, sha-256=:" + b64 + ":"} << hex;
    QTest::addRow("unknown algorithms only") << L {"Content-Digest", "md5=:AAAA:"} << QString();
    QTest::addRow("agreeing headers")
        << L {"X-Checksum-Sha256", d.toHex(), "Content-Digest", "sha-256=:" + b64 + ":"} << hex;
    QTest::addRow("disagreeing headers") << L {"X-Checksum-Sha256", d.toHex(), "Content-Digest",
                                               "sha-256=:" + Sha256::digest("x").toBase64() + ":"}
                                         << u"!"_s;
    QTest::addRow("not a byte sequence") << L {"Content-Digest", "sha-256=" + b64} << u"!"_s;
    QTest::addRow("wrong length") << L {"Content-Digest", "sha-256=:AAAA:"} << u"!"_s;
    QTest::addRow("bad base64") << L {"Content-Digest", "sha-256=:!!!!:"} << u"!"_s;
    QTest::addRow("no member name") << L {"Content-Digest", ":" + b64 + ":"} << u"!"_s;
    QTest::addRow("x-checksum short") << L {"X-Checksum-Sha256", "abc"} << u"!"_s;
}

void tst_UploadChecks::digests()
{
    QFETCH(QList<QByteArray>, fields);
    QFETCH(QString, result);
    http::Headers headers;
    for (qsizetype i = 0; i + 1 < fields.size(); i += 2)
        headers.add(fields[i], fields[i + 1]);
    const auto digest = expectedDigest(headers);
    if (result == u"!"_s) {
        QVERIFY(!digest);
        return;
    }
    QVERIFY2(digest, why(digest).constData());
    if (result.isEmpty())
        QVERIFY(!digest->has_value());
    else
        QCOMPARE(Sha256::toHex((*digest)->sha256), result);
}

void tst_UploadChecks::csvShape_data()
{
    QTest::addColumn<QByteArray>("csv");
    QTest::addColumn<qint64>("records");
    QTest::addColumn<qint64>("columns");
    QTest::addColumn<QString>("problem"); // a part of the message, or empty

    QTest::addRow("plain crlf") << QByteArray("a,b\r\n1,2\r\n") << 2LL << 2LL << QString();
    QTest::addRow("lf and no final newline") << QByteArray("a,b\n1,2") << 2LL << 2LL << QString();
    QTest::addRow("quoted comma, quote, newline")
        << QByteArray("a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n\"two\r\nlines\",z\r\n") << 3LL << 2LL
        << QString();
    QTest::addRow("empty fields") << QByteArray(",,\r\n,,\r\n") << 2LL << 3LL << QString();
    QTest::addRow("blank line at the end")
        << QByteArray("a\r\n1\r\n\r\n") << 2LL << 1LL << QString();
    QTest::addRow("ragged") << QByteArray("a,b,c\n1,2\n") << 2LL << 3LL
                            << u"record 2 has 2 fields"_s;
    QTest::addRow("unclosed quote") << QByteArray("a\n\"open\n") << 2LL << 1LL << u"not closed"_s;
    QTest::addRow("text after closing quote")
        << QByteArray("\"a\"b\n") << 1LL << 1LL << u"after its closing quote"_s;
    QTest::addRow("empty") << QByteArray() << 0LL << 0LL << QString();
}

void tst_UploadChecks::csvShape()
{
    QFETCH(QByteArray, csv);
    QFETCH(qint64, records);
    QFETCH(qint64, columns);
    QFETCH(QString, problem);
    CsvShape shape;
    shape.feed(csv);
    shape.finish();
    QCOMPARE(shape.records(), records);
    QCOMPARE(shape.columns(), columns);
    if (problem.isEmpty())
        QCOMPARE(shape.problem(), QString());
    else
        QVERIFY2(shape.problem().contains(problem), qPrintable(shape.problem()));
}

void tst_UploadChecks::csvShapeAnySplit()
{
    const QByteArray csv("id,note\r\n1,\"a,\r\nb\"\"c\"\r\n2,plain\r\n");
    for (qsizetype split = 0; split <= csv.size(); ++split) {
        CsvShape shape;
        shape.feed(QByteArrayView(csv).first(split));
        shape.feed(QByteArrayView(csv).sliced(split));
        shape.finish();
        QCOMPARE(shape.records(), 3);
        QCOMPARE(shape.columns(), 2);
        QCOMPARE(shape.problem(), QString());
    }
}

void tst_UploadChecks::gateCapsAndReleases()
{
    UploadGate gate;
    config::Limits limits;
    limits.maxConcurrentUploads = 3;
    limits.maxUploadsPerAccount = 2;
    limits.maxUploadBytes = 1000;
    gate.setLimits(limits);

    using Ticket = std::unique_ptr<UploadTicket>;
    const auto status = [](const auto &admitted) {
        const auto *error = std::get_if<http::HttpError>(&admitted);
        return error ? error->status : 0;
    };
    QCOMPARE(status(gate.admit(u"a"_s, 1001)), 413);
    auto a1 = gate.admit(u"a"_s, 10);
    auto a2 = gate.admit(u"a"_s, 10);
    QCOMPARE(status(a1), 0);
    QCOMPARE(status(a2), 0);
    QCOMPARE(status(gate.admit(u"a"_s, 10)), 429);
    auto b1 = gate.admit(u"b"_s, 10);
    QCOMPARE(status(b1), 0);
    const auto full = gate.admit(u"c"_s, 10);
    QCOMPARE(status(full), 503);
    QCOMPARE(std::get<http::HttpError>(full).limit, u"max_concurrent_uploads"_s);
    QCOMPARE(gate.inFlight(), 3);
    QCOMPARE(gate.reservedBytes(), 30);

    std::get<Ticket>(a1).reset();
    QCOMPARE(gate.inFlight(), 2);
    QCOMPARE(gate.inFlight(u"a"_s), 1);
    QCOMPARE(gate.reservedBytes(), 20);
    QCOMPARE(status(gate.admit(u"a"_s, 10)), 0); // the freed slot, released again at once

    // A ticket that outlives its gate does not touch it.
    auto survivor = std::make_unique<UploadGate>();
    survivor->setLimits(limits);
    auto kept = survivor->admit(u"a"_s, 5);
    survivor.reset();
    std::get<Ticket>(kept).reset();
}

void tst_UploadChecks::gateBudgetAndDisk()
{
    UploadGate gate;
    config::Limits limits;
    limits.maxUploadTempBytes = 1000;
    limits.minFreeDiskBytes = 100;
    limits.accountSharePercent = 100; // the shares: gateAccountShares()
    gate.setLimits(limits);

    auto first = gate.admit(u"a"_s, 600);
    QVERIFY(std::holds_alternative<std::unique_ptr<UploadTicket>>(first));
    const auto over = gate.admit(u"b"_s, 500);
    QCOMPARE(std::get<http::HttpError>(over).status, 507);
    QCOMPARE(std::get<http::HttpError>(over).limit, u"max_upload_temp_bytes"_s);

    // Chunked bodies grow their reservation within the budget.
    auto chunked = gate.admit(u"b"_s, 0);
    auto &ticket = std::get<std::unique_ptr<UploadTicket>>(chunked);
    QVERIFY(!ticket->growTo(300));
    QCOMPARE(gate.reservedBytes(), 900);
    const auto grown = ticket->growTo(500);
    QVERIFY(grown);
    QCOMPARE(grown->status, 507);
    ticket.reset();
    QCOMPARE(gate.reservedBytes(), 600);

    // Free disk: what is free, minus what uploads in flight reserved, must
    // leave min_free_disk_bytes.
    gate.setFreeDiskBytes(1000);
    QCOMPARE(std::get<http::HttpError>(gate.admit(u"c"_s, 301)).limit, u"min_free_disk_bytes"_s);
    QVERIFY(std::holds_alternative<std::unique_ptr<UploadTicket>>(gate.admit(u"c"_s, 300)));
}

// Issue 18 (decision 0022): an account's part of the temp budget and of the
// disk above the floor is account_share_percent of the current whole, or an
// equal part when fewer accounts share it.
void tst_UploadChecks::gateAccountShares()
{
    UploadGate gate;
    config::Limits limits;
    limits.maxUploadTempBytes = 1000;
    limits.minFreeDiskBytes = 0;
    gate.setLimits(limits);
    gate.setAccounts(8);
    auto a = gate.admit(u"a"_s, 250);
    QVERIFY(std::holds_alternative<std::unique_ptr<UploadTicket>>(a));
    const auto more = gate.admit(u"a"_s, 1);
    QCOMPARE(std::get<http::HttpError>(more).limit, u"account_share_percent"_s);
    QCOMPARE(std::get<http::HttpError>(more).value.toInteger(), 25);
    auto b = gate.admit(u"b"_s, 250);
    QVERIFY(std::holds_alternative<std::unique_ptr<UploadTicket>>(b));
    // Two accounts only: half each.
    gate.setAccounts(2);
    auto a2 = gate.admit(u"a"_s, 250);
    QVERIFY(std::holds_alternative<std::unique_ptr<UploadTicket>>(a2));
    // The part follows the whole: b holds 250 of its 600 of 1200.
    limits.maxUploadTempBytes = 1200;
    gate.setLimits(limits);
    QCOMPARE(std::get<http::HttpError>(gate.admit(u"b"_s, 351)).limit, u"account_share_percent"_s);
    QVERIFY(std::holds_alternative<std::unique_ptr<UploadTicket>>(gate.admit(u"b"_s, 350)));

    // The disk: 1000 above the floor, nothing stored, four accounts. Usable
    // for uploads: what is free plus what uploads hold, 1000 whatever they
    // reserved; a quarter each.
    UploadGate disk;
    limits.maxUploadTempBytes = 100'000;
    disk.setLimits(limits);
    disk.setAccounts(4);
    disk.setFreeDiskBytes(1000);
    auto a1 = disk.admit(u"a"_s, 250);
    auto b1 = disk.admit(u"b"_s, 200);
    QVERIFY(std::holds_alternative<std::unique_ptr<UploadTicket>>(a1));
    QVERIFY(std::holds_alternative<std::unique_ptr<UploadTicket>>(b1));
    const auto aMore = disk.admit(u"a"_s, 1);
    QCOMPARE(std::get<http::HttpError>(aMore).limit, u"account_share_percent"_s);
    QVERIFY2(std::get<http::HttpError>(aMore).message.contains(u"account a"_s),
             qPrintable(std::get<http::HttpError>(aMore).message));
    auto b2nd = disk.admit(u"b"_s, 50);
    QVERIFY(std::holds_alternative<std::unique_ptr<UploadTicket>>(b2nd));
    QCOMPARE(std::get<http::HttpError>(disk.admit(u"b"_s, 1)).limit, u"account_share_percent"_s);
    // Half the disk is still free for the other two.
    auto c1 = disk.admit(u"c"_s, 250);
    QVERIFY(std::holds_alternative<std::unique_ptr<UploadTicket>>(c1));
}

// A ticket travels in the store's reply, whose last copy may die on the
// store's thread (issue 17, item 5). The gate's counters have no lock, so the
// release must happen on the gate's thread; the gate's thread check (fatal
// under SLUICE_THREAD_CHECKS=fatal, as ctest runs it) aborts otherwise.
void tst_UploadChecks::ticketDyingOnAnotherThreadReleasesOnTheGatesThread()
{
    UploadGate gate;
    config::Limits limits;
    limits.maxConcurrentUploads = 100;
    limits.maxUploadsPerAccount = 100;
    gate.setLimits(limits);

    std::vector<std::unique_ptr<UploadTicket>> tickets;
    for (int i = 0; i < 40; ++i) {
        auto admitted = gate.admit(i % 2 ? u"a"_s : u"b"_s, 10);
        tickets.push_back(std::move(std::get<std::unique_ptr<UploadTicket>>(admitted)));
    }
    QCOMPARE(gate.inFlight(), 40);

    std::unique_ptr<QThread> store(QThread::create([&tickets] { tickets.clear(); }));
    store->setObjectName(u"sluice-uploads"_s);
    store->start();
    QVERIFY(store->wait(10'000));
    QVERIFY(tickets.empty());
    // Posted to this thread: counted once its events run, all of them.
    QTRY_COMPARE(gate.inFlight(), 0);
    QCOMPARE(gate.inFlight(u"a"_s), 0);
    QCOMPARE(gate.inFlight(u"b"_s), 0);
    QCOMPARE(gate.reservedBytes(), 0);

    // A release posted to a gate that is gone by the time it would run.
    auto survivor = std::make_unique<UploadGate>();
    survivor->setLimits(limits);
    auto kept = survivor->admit(u"a"_s, 5);
    std::unique_ptr<QThread> late(QThread::create([&kept] { kept = {}; }));
    late->start();
    QVERIFY(late->wait(10'000));
    survivor.reset();
    QCoreApplication::processEvents();
}

// Review of ba4589e (decision 0022, the disk share). The whole an account
// gets its share of is `free now - min_free_disk_bytes + stored + in flight`,
// with `free now` the last disk reading (once a second) less what uploads in
// flight reserved. An upload that completes between two readings leaves the
// in-flight counts, and StoredBytes counts it, but the stale reading still
// shows its bytes as free: they count twice in the whole, so the account's
// share grows with every upload it completes before the next reading (and
// the floor check, too, sees them as free). Here: 1000 bytes above the
// floor, four accounts, a quarter each (250). Alice stores 250; before the
// next reading she is admitted 60 more (the whole looks like 1250) and then
// more again, while the disk's whole is still 1000.
void tst_UploadChecks::diskShareCountsUploadsStoredSinceTheReading()
{
    UploadGate gate;
    config::Limits limits;
    limits.minFreeDiskBytes = 0;
    limits.accountSharePercent = 25;
    gate.setLimits(limits);
    gate.setAccounts(4);
    auto stored = std::make_shared<StoredBytes>();
    gate.setStoredBytes(stored);
    gate.setFreeDiskBytes(1000);

    using Ticket = std::unique_ptr<UploadTicket>;
    const auto store = [&](qint64 bytes) -> QString {
        auto admitted = gate.admit(u"alice"_s, bytes);
        if (auto *refused = std::get_if<http::HttpError>(&admitted))
            return refused->limit;
        // Written and stored (the store's thread counts it), then released;
        // no new disk reading yet.
        stored->add(u"alice"_s, bytes);
        std::get<Ticket>(admitted).reset();
        return {};
    };
    QCOMPARE(store(250), QString()); // her share of 1000
    // The disk: 750 free + 250 stored = 1000 above the floor, alice holds 250.
    QCOMPARE(store(60), u"account_share_percent"_s);
}

// Review of 89c5c05 (Retry-After: 5 on the 507s for upload bytes in
// flight). docs/api.md and decisions 0016/0022 give the reason: "those bytes
// free up as uploads finish", so waiting may help. But budgetFor() sets
// retryAfterS on every refusal of those two checks, also when the upload is
// refused on its own, with nothing else in flight: its declared size alone
// is larger than max_upload_temp_bytes (allowed: max_upload_bytes is not
// bounded by it, default 16 GiB against any smaller temp budget) or than
// the account's share of it (account_share_percent 10 with the defaults:
// 6.4 GiB, against max_upload_bytes 16 GiB). No amount of waiting admits
// it, yet every answer says "try again in 5 s": a client that honours
// Retry-After (curl --retry, most HTTP retry middlewares) retries forever.
void tst_UploadChecks::retryAfterOnlyWhenWaitingCanHelp()
{
    config::Limits limits;
    limits.maxUploadTempBytes = 1000;
    limits.maxUploadBytes = 10'000;
    limits.minFreeDiskBytes = 0;
    limits.accountSharePercent = 25;
    UploadGate gate;
    gate.setLimits(limits);
    gate.setAccounts(4);
    QCOMPARE(gate.inFlight(), 0);
    QCOMPARE(gate.reservedBytes(), 0);

    // Nothing in flight: 2000 bytes never fit a temp budget of 1000.
    const auto tooLargeForBudget = gate.admit(u"alice"_s, 2000);
    QCOMPARE(std::get<http::HttpError>(tooLargeForBudget).limit, u"max_upload_temp_bytes"_s);
    QCOMPARE(std::get<http::HttpError>(tooLargeForBudget).retryAfterS, 0);
    QVERIFY(!http::Response::error(std::get<http::HttpError>(tooLargeForBudget))
                 .headers.contains("Retry-After"));

    // Nothing in flight: 300 bytes never fit alice's share (250 of 1000).
    const auto tooLargeForShare = gate.admit(u"alice"_s, 300);
    QCOMPARE(std::get<http::HttpError>(tooLargeForShare).limit, u"account_share_percent"_s);
    QCOMPARE(std::get<http::HttpError>(tooLargeForShare).retryAfterS, 0);

    // Where waiting does help (others' bytes in flight), it keeps saying so.
    auto held = gate.admit(u"bob"_s, 250);
    QVERIFY(std::holds_alternative<std::unique_ptr<UploadTicket>>(held));
    const auto mustWait = gate.admit(u"bob"_s, 100);
    QCOMPARE(std::get<http::HttpError>(mustWait).limit, u"account_share_percent"_s);
    QCOMPARE(std::get<http::HttpError>(mustWait).retryAfterS, 5);
}

// Review of 8492bb6 ("a finished declared upload stays off the free disk
// until the next reading"). release() adds the *declared* size to
// m_grownSinceReading for every ticket that ends, whether or not its body
// was written: an upload admitted on its headers and then abandoned (the
// client closes before sending the body, a 415/checksum refusal after
// admission, a 413 mid-body) takes its whole Content-Length off "free now"
// until the next reading, and nothing bounds that sum (it left m_reserved,
// the temp budget). One account declaring what its disk share allows and
// hanging up, some 40 times within the second between two readings, brings
// "free now" to the floor: every account's upload is refused 507
// (min_free_disk_bytes, or account_share_percent of a disk share shrunk to
// nothing) with 100 GiB really free, and it can do so every second. Before
// 8492bb6 an abandoned upload left no trace. Here: the defaults (16 GiB per
// upload, 1 GiB floor, a quarter of the disk each of four accounts).
void tst_UploadChecks::abandonedDeclaredUploadsDoNotEatTheDisk()
{
    constexpr qint64 GiB = 1024LL * 1024 * 1024;
    UploadGate gate;
    gate.setLimits(config::Limits {});
    gate.setAccounts(4);
    gate.setStoredBytes(std::make_shared<StoredBytes>());
    gate.setFreeDiskBytes(100 * GiB); // one reading; the next comes within a second

    int abandoned = 0;
    for (qint64 declared = 16 * GiB; declared >= 1024 * 1024 && abandoned < 100;) {
        auto admitted = gate.admit(u"mallory"_s, declared);
        if (std::holds_alternative<http::HttpError>(admitted)) {
            declared /= 2;
            continue;
        }
        ++abandoned; // headers only: the client hangs up, nothing is written
    }
    QCOMPARE(gate.reservedBytes(), 0);
    QCOMPARE(gate.inFlight(), 0);
    // Nothing is in flight, nothing stored, 100 GiB free: bob's 1 MiB fits.
    const auto bobs = gate.admit(u"bob"_s, 1024 * 1024);
    const auto *refused = std::get_if<http::HttpError>(&bobs);
    QVERIFY2(!refused,
             qPrintable(u"after %1 abandoned uploads: "_s.arg(abandoned)
                        + (refused ? refused->message : QString())));
}

QTEST_GUILESS_MAIN(tst_UploadChecks)
#include "tst_uploadchecks.moc"
