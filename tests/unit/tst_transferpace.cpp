// TransferPace: the arithmetic of the minimum transfer rate, on a made-up clock.
#include "http/transferpace.h"

#include <QTest>

using sluice::http::TransferPace;

class tst_TransferPace : public QObject
{
    Q_OBJECT
private slots:
    void steadyAtTheMinimumKeepsUp();
    void trickleFallsBehindAfterTheWindow();
    void halfTheMinimumLastsTwoWindows();
    void aFastStartCannotPayForALongTrickle();
    void aStallShorterThanTheCreditIsForgiven();
    void smallUpdatesAddUpLikeOneLarge();
};

// 512 bytes/s, checked once a second for ten minutes.
void tst_TransferPace::steadyAtTheMinimumKeepsUp()
{
    TransferPace pace;
    pace.start(512, 60'000, 0, 0);
    for (qint64 s = 1; s <= 600; ++s)
        QVERIFY2(pace.update(s * 512, s * 1000), qPrintable(QString::number(s)));
    QCOMPARE(pace.dueMs(), 600'000 + 60'000);
}

// One byte every five seconds: behind once the first window's credit is spent.
void tst_TransferPace::trickleFallsBehindAfterTheWindow()
{
    TransferPace pace;
    pace.start(512, 60'000, 0, 0);
    qint64 t = 0;
    qint64 bytes = 0;
    while (pace.update(bytes, t) && t < 3'600'000) {
        t += 5'000;
        ++bytes;
    }
    QVERIFY2(t >= 60'000 && t <= 65'000, qPrintable(QString::number(t)));
}

// 256 bytes/s against 512 loses half a second a second: the minute of credit
// lasts two minutes.
void tst_TransferPace::halfTheMinimumLastsTwoWindows()
{
    TransferPace pace;
    pace.start(512, 60'000, 0, 0);
    qint64 s = 0;
    while (pace.update(s * 256, s * 1000) && s < 3'600)
        ++s;
    QVERIFY2(s >= 119 && s <= 121, qPrintable(QString::number(s)));
}

void tst_TransferPace::aFastStartCannotPayForALongTrickle()
{
    TransferPace pace;
    pace.start(512, 60'000, 0, 0);
    QVERIFY(pace.update(1'000'000'000, 1'000)); // a gigabyte in the first second
    QCOMPARE(pace.dueMs(), 1'000 + 60'000); // credit: one window, not years
    QVERIFY(pace.update(1'000'000'000, 60'000));
    QVERIFY(!pace.update(1'000'000'001, 62'000));
}

// A mobile link that stops for 40 s and comes back at full speed.
void tst_TransferPace::aStallShorterThanTheCreditIsForgiven()
{
    TransferPace pace;
    pace.start(512, 60'000, 0, 0);
    QVERIFY(pace.update(20 * 1024 * 10, 10'000)); // 20 KiB/s for 10 s
    QVERIFY(pace.update(20 * 1024 * 10, 50'000)); // nothing for 40 s
    QVERIFY(pace.update(20 * 1024 * 20, 60'000));
    QCOMPARE(pace.dueMs(), 60'000 + 60'000);
}

// 3 bytes/s: a byte is worth 333.3 ms, and thirty of them ten seconds
// however they arrive.
void tst_TransferPace::smallUpdatesAddUpLikeOneLarge()
{
    TransferPace small;
    TransferPace large;
    small.start(3, 60'000, 0, 0);
    large.start(3, 60'000, 0, 0);
    for (qint64 b = 1; b <= 30; ++b)
        QVERIFY(small.update(b, 30'000));
    QVERIFY(large.update(30, 30'000));
    QCOMPARE(large.dueMs(), 70'000);
    QCOMPARE(small.dueMs(), 70'000);
}

QTEST_GUILESS_MAIN(tst_TransferPace)
#include "tst_transferpace.moc"
