// FileProducer on its own: exact slices in pieces no larger than asked for,
// failed() once when the file is shorter than announced, the file closed on
// abort and at the end.
#include "http/fileproducer.h"

#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace sluice::http;

class tst_FileProducer : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void slices_data();
    void slices();
    void truncatedFileFailsOnce();
    void abortClosesTheFile();
    void closedFileFails();

private:
    std::unique_ptr<QFile> openData() const;
    QTemporaryDir m_dir;
    QString m_path;
    QByteArray m_data;
};

void tst_FileProducer::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_data.resize(300'000);
    for (qsizetype i = 0; i < m_data.size(); ++i)
        m_data[i] = char((i * 131) ^ (i >> 8));
    m_path = m_dir.filePath(u"data.bin"_s);
    QFile f(m_path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    QCOMPARE(f.write(m_data), m_data.size());
}

std::unique_ptr<QFile> tst_FileProducer::openData() const
{
    auto file = std::make_unique<QFile>(m_path);
    if (!file->open(QIODevice::ReadOnly | QIODevice::Unbuffered))
        return {};
    return file;
}

void tst_FileProducer::slices_data()
{
    QTest::addColumn<qint64>("offset");
    QTest::addColumn<qint64>("length");
    QTest::addColumn<qint64>("piece");
    QTest::addRow("whole, 64 KiB pieces") << 0LL << 300'000LL << 65'536LL;
    QTest::addRow("whole, odd pieces") << 0LL << 300'000LL << 7'777LL;
    QTest::addRow("middle") << 12'345LL << 100'000LL << 65'536LL;
    QTest::addRow("last byte") << 299'999LL << 1LL << 65'536LL;
    QTest::addRow("one-byte pieces") << 1'000LL << 50LL << 1LL;
    QTest::addRow("empty") << 100LL << 0LL << 65'536LL;
}

void tst_FileProducer::slices()
{
    QFETCH(qint64, offset);
    QFETCH(qint64, length);
    QFETCH(qint64, piece);
    FileProducer producer(openData(), offset, length);
    QSignalSpy failed(&producer, &ResponseProducer::failed);
    QCOMPARE(producer.size(), std::optional<qint64>(length));
    QByteArray all;
    while (!producer.atEnd()) {
        const QByteArray p = producer.read(piece);
        QVERIFY(!p.isEmpty());
        QVERIFY(p.size() <= piece);
        all += p;
        QCOMPARE(producer.bytesRead(), all.size());
    }
    QCOMPARE(all, m_data.sliced(offset, length));
    QVERIFY(producer.read(piece).isEmpty());
    QCOMPARE(failed.size(), 0);
    if (length > 0)
        QVERIFY(!producer.isOpen()); // released as soon as everything was read
}

void tst_FileProducer::truncatedFileFailsOnce()
{
    // Announces 200 bytes from offset 299'900, but only 100 exist.
    FileProducer producer(openData(), 299'900, 200);
    QSignalSpy failed(&producer, &ResponseProducer::failed);
    QCOMPARE(producer.read(60), m_data.sliced(299'900, 60));
    QCOMPARE(producer.read(1000), m_data.sliced(299'960, 40)); // short, not yet an error
    QVERIFY(!producer.atEnd());
    QCOMPARE(failed.size(), 0);
    QVERIFY(producer.read(1000).isEmpty());
    QCOMPARE(failed.size(), 1);
    QVERIFY2(failed.at(0).at(0).toString().contains("100 bytes short"_L1),
             qPrintable(failed.at(0).at(0).toString()));
    QVERIFY(!producer.isOpen());
    QVERIFY(producer.read(1000).isEmpty());
    QCOMPARE(failed.size(), 1);
}

void tst_FileProducer::abortClosesTheFile()
{
    FileProducer producer(openData(), 0, m_data.size());
    QSignalSpy failed(&producer, &ResponseProducer::failed);
    QCOMPARE(producer.read(10), m_data.first(10));
    QVERIFY(producer.isOpen());
    producer.abort();
    QVERIFY(!producer.isOpen());
    QVERIFY(producer.read(10).isEmpty());
    QCOMPARE(failed.size(), 0); // the connection asked for it: nothing to report
}

void tst_FileProducer::closedFileFails()
{
    auto file = openData();
    file->close();
    FileProducer producer(std::move(file), 0, 10);
    QSignalSpy failed(&producer, &ResponseProducer::failed);
    QVERIFY(producer.read(10).isEmpty());
    QCOMPARE(failed.size(), 1);
}

QTEST_GUILESS_MAIN(tst_FileProducer)
#include "tst_fileproducer.moc"
