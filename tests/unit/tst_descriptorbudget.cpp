// DescriptorBudget against the real RLIMIT_NOFILE of this process, lowered
// for the test: counting, the reserve, the estimate between counts, and the
// count when not even /proc/self/fd can be opened.
#include "http/descriptorbudget.h"

#include <QTest>

#include <sys/resource.h>
#include <unistd.h>

#include <vector>

using sluice::http::DescriptorBudget;

class tst_DescriptorBudget : public QObject
{
    Q_OBJECT
private slots:
    void countsAgainstTheLimit();
};

void tst_DescriptorBudget::countsAgainstTheLimit()
{
    rlimit saved {};
    QCOMPARE(::getrlimit(RLIMIT_NOFILE, &saved), 0);
    DescriptorBudget budget;
    QVERIFY(budget.recount());
    const qint64 open = budget.limit() - budget.free();
    QVERIFY(open >= 3);
    const rlimit low {rlim_t(open + 40), saved.rlim_max};
    QCOMPARE(::setrlimit(RLIMIT_NOFILE, &low), 0);
    std::vector<int> taken;
    const auto restore = qScopeGuard([&] {
        for (int fd : taken)
            ::close(fd);
        ::setrlimit(RLIMIT_NOFILE, &saved);
    });

    QVERIFY(budget.recount());
    QCOMPARE(budget.limit(), open + 40);
    QCOMPARE(budget.free(), 40);
    QCOMPARE(budget.reserve(), 8); // a sixteenth of the limit, at least 8
    QVERIFY(!budget.isLow());

    while (taken.size() < 35)
        taken.push_back(::dup(0));
    QVERIFY(budget.recount());
    QCOMPARE(budget.free(), 5);
    QVERIFY(budget.isLow());
    QVERIFY(!budget.isRecovered());

    // None left: the directory cannot be opened, which means none free.
    for (int fd; (fd = ::dup(0)) >= 0;)
        taken.push_back(fd);
    QVERIFY(budget.recount());
    QCOMPARE(budget.free(), 0);
    QVERIFY(budget.isLow());

    for (int fd : taken)
        ::close(fd);
    taken.clear();
    QVERIFY(budget.recount());
    QCOMPARE(budget.free(), 40);
    QVERIFY(budget.isRecovered());

    // Between counts: accepted connections take, closed ones give back.
    budget.take(33);
    QVERIFY(budget.isLow());
    budget.release(20);
    QVERIFY(!budget.isLow());
    QVERIFY(budget.isRecovered()); // 27 >= 8 + 4
    budget.release(1000);
    QCOMPARE(budget.free(), budget.limit());
}

QTEST_GUILESS_MAIN(tst_DescriptorBudget)
#include "tst_descriptorbudget.moc"
