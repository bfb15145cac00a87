// Prometheus text exposition (format 0.0.4): exact output for a catalogue of
// families, escaping, grouping, histogram buckets, rejected input, number
// spelling, and promtool's verdict on the result.
#include "metrics/prometheus.h"
#include "service/exposition.h"

#include <QProcess>
#include <QStandardPaths>
#include <QTest>

#include <functional>
#include <limits>

using namespace Qt::StringLiterals;
using namespace sluice::metrics;

using Build = std::function<void(PrometheusWriter &)>;
using Call = std::function<bool(PrometheusWriter &)>;
Q_DECLARE_METATYPE(Build)
Q_DECLARE_METATYPE(Call)

namespace {

// One of each kind, with the escaping and grouping cases the service will hit.
PrometheusWriter representativeExposition()
{
    PrometheusWriter w;
    w.gauge(u"sluice_resident_memory_bytes"_s, u"Resident set size of the process."_s, 52428800);
    w.counter(u"sluice_http_requests_total"_s, u"HTTP requests by route and status."_s, 12,
              {{u"route"_s, u"/jobs"_s}, {u"status"_s, u"200"_s}});
    w.gauge(u"sluice_jobs"_s, u"Jobs by state."_s, 3, {{u"state"_s, u"queued"_s}});
    w.counter(u"sluice_http_requests_total"_s, u"HTTP requests by route and status."_s, 1,
              {{u"route"_s, u"/uploads/\"odd\"\\path\n"_s}, {u"status"_s, u"413"_s}});
    w.gauge(u"sluice_jobs"_s, u"Jobs by state."_s, 0, {{u"state"_s, u"running"_s}});
    w.gauge(u"sluice_oldest_queued_job_age_seconds"_s, u"Age of the oldest queued job.\nOr NaN."_s,
            qQNaN());
    w.gauge(u"sluice_limit_bytes"_s, u"Backslash \\ in help."_s, qInf());
    Histogram h;
    for (double v : {0.0004, 0.003, 0.003, 0.2, 0.7, 42.0})
        h.observe(v);
    w.histogram(u"sluice_http_request_duration_seconds"_s, u"Request duration."_s, h,
                {{u"route"_s, u"/jobs"_s}});
    w.histogram(u"sluice_http_request_duration_seconds"_s, u"Request duration."_s, Histogram {},
                {{u"route"_s, u"/metrics"_s}});
    return w;
}

} // namespace

class tst_Prometheus : public QObject
{
    Q_OBJECT
private slots:
    void unknownStartTimeIsLeftOut();
    void exactText_data();
    void exactText();
    void labelValueEscaping_data();
    void labelValueEscaping();
    void histogramObserveAndBounds();
    void histogramBucketsAreCumulative();
    void rejected_data();
    void rejected();
    void formatValue_data();
    void formatValue();
    void promtool_data();
    void promtool();
};

void tst_Prometheus::exactText_data()
{
    QTest::addColumn<Build>("build");
    QTest::addColumn<QByteArray>("expected");

    QTest::addRow("nothing") << Build([](PrometheusWriter &) {}) << QByteArray();
    QTest::addRow("gauge") << Build(
        [](PrometheusWriter &w) { w.gauge(u"sluice_open_fds"_s, u"Open file descriptors."_s, 17); })
                           << QByteArray("# HELP sluice_open_fds Open file descriptors.\n"
                                         "# TYPE sluice_open_fds gauge\n"
                                         "sluice_open_fds 17\n");
    QTest::addRow("counter, labels sorted by name")
        << Build([](PrometheusWriter &w) {
               w.counter(u"sluice_requests_total"_s, u"Requests."_s, 3,
                         {{u"status"_s, u"200"_s}, {u"route"_s, u"/jobs"_s}});
           })
        << QByteArray("# HELP sluice_requests_total Requests.\n"
                      "# TYPE sluice_requests_total counter\n"
                      "sluice_requests_total{route=\"/jobs\",status=\"200\"} 3\n");
    QTest::addRow("special and fractional values")
        << Build([](PrometheusWriter &w) {
               const QString help = u"Values."_s;
               w.gauge(u"v"_s, help, 0.25, {{u"k"_s, u"a"_s}});
               w.gauge(u"v"_s, help, qInf(), {{u"k"_s, u"b"_s}});
               w.gauge(u"v"_s, help, -qInf(), {{u"k"_s, u"c"_s}});
               w.gauge(u"v"_s, help, qQNaN(), {{u"k"_s, u"d"_s}});
               w.gauge(u"v"_s, help, -3, {{u"k"_s, u"e"_s}});
               w.gauge(u"v"_s, help, 1.5e-7, {{u"k"_s, u"f"_s}});
           })
        << QByteArray("# HELP v Values.\n# TYPE v gauge\n"
                      "v{k=\"a\"} 0.25\nv{k=\"b\"} +Inf\nv{k=\"c\"} -Inf\n"
                      "v{k=\"d\"} NaN\nv{k=\"e\"} -3\nv{k=\"f\"} 1.5e-07\n");
    QTest::addRow("help escaping")
        << Build([](PrometheusWriter &w) { w.gauge(u"g"_s, u"One\ntwo \\ \"three\""_s, 1); })
        << QByteArray("# HELP g One\\ntwo \\\\ \"three\"\n# TYPE g gauge\ng 1\n");
    QTest::addRow("empty help has no HELP line")
        << Build([](PrometheusWriter &w) { w.gauge(u"g"_s, QString(), 1); })
        << QByteArray("# TYPE g gauge\ng 1\n");
    QTest::addRow("interleaved families are grouped")
        << Build([](PrometheusWriter &w) {
               w.gauge(u"a"_s, u"A."_s, 1, {{u"x"_s, u"1"_s}});
               w.counter(u"b_total"_s, u"B."_s, 2);
               w.gauge(u"a"_s, u"A."_s, 3, {{u"x"_s, u"2"_s}});
               w.counter(u"b_total"_s, u"B."_s, 4, {{u"y"_s, u"z"_s}});
           })
        << QByteArray("# HELP a A.\n# TYPE a gauge\na{x=\"1\"} 1\na{x=\"2\"} 3\n"
                      "# HELP b_total B.\n# TYPE b_total counter\nb_total 2\nb_total{y=\"z\"} 4\n");
    QTest::addRow("histogram") << Build([](PrometheusWriter &w) {
        Histogram h = Histogram::withBounds({0.1, 1});
        for (double v : {0.25, 0.5, 0.5, 3.0, 0.1})
            h.observe(v);
        w.histogram(u"d_seconds"_s, u"D."_s, h);
        w.histogram(u"d_seconds"_s, u"D."_s, Histogram::withBounds({0.1, 1}),
                    {{u"route"_s, u"/x"_s}});
    })
                               << QByteArray("# HELP d_seconds D.\n# TYPE d_seconds histogram\n"
                                             "d_seconds_bucket{le=\"0.1\"} 1\n"
                                             "d_seconds_bucket{le=\"1\"} 4\n"
                                             "d_seconds_bucket{le=\"+Inf\"} 5\n"
                                             "d_seconds_sum 4.35\n"
                                             "d_seconds_count 5\n"
                                             "d_seconds_bucket{route=\"/x\",le=\"0.1\"} 0\n"
                                             "d_seconds_bucket{route=\"/x\",le=\"1\"} 0\n"
                                             "d_seconds_bucket{route=\"/x\",le=\"+Inf\"} 0\n"
                                             "d_seconds_sum{route=\"/x\"} 0\n"
                                             "d_seconds_count{route=\"/x\"} 0\n");
}

void tst_Prometheus::exactText()
{
    QFETCH(Build, build);
    QFETCH(QByteArray, expected);

    PrometheusWriter w;
    build(w);
    QCOMPARE(w.errors(), QStringList());
    QCOMPARE(w.finish(), expected);
    QCOMPARE(w.finish(), expected); // finish() does not consume
}

void tst_Prometheus::labelValueEscaping_data()
{
    QTest::addColumn<QString>("value");
    QTest::addColumn<QByteArray>("written");

    QTest::addRow("plain") << u"abc"_s << QByteArray("abc");
    QTest::addRow("empty") << QString() << QByteArray("");
    QTest::addRow("backslash") << u"C:\\tmp"_s << QByteArray("C:\\\\tmp");
    QTest::addRow("double quote") << u"say \"hi\""_s << QByteArray("say \\\"hi\\\"");
    QTest::addRow("newline") << u"a\nb"_s << QByteArray("a\\nb");
    QTest::addRow("all three") << u"\\\"\n"_s << QByteArray("\\\\\\\"\\n");
    QTest::addRow("utf-8 and others untouched") << u"Grüße\t{x}='y'"_s
                                                << QByteArray("Gr\xc3\xbc\xc3\x9f"
                                                              "e\t{x}='y'");
}

void tst_Prometheus::labelValueEscaping()
{
    QFETCH(QString, value);
    QFETCH(QByteArray, written);

    PrometheusWriter w;
    QVERIFY(w.gauge(u"g"_s, QString(), 1, {{u"l"_s, value}}));
    QCOMPARE(w.finish(), "# TYPE g gauge\ng{l=\"" + written + "\"} 1\n");
}

void tst_Prometheus::histogramObserveAndBounds()
{
    Histogram h;
    QCOMPARE(h.upperBounds, Histogram::defaultSecondsBounds());
    QCOMPARE(h.upperBounds.size(), 13);
    QCOMPARE(h.counts, QList<quint64>(13, 0));

    h.observe(0.005); // on a bound: "less than or equal" puts it there
    h.observe(0.0050001);
    h.observe(0);
    h.observe(-1); // below every bound: first bucket
    h.observe(10);
    h.observe(11); // only in +Inf
    h.observe(qQNaN()); // ignored
    QCOMPARE(h.count, 6);
    QCOMPARE(h.sum, 0.005 + 0.0050001 + 0 - 1 + 10 + 11);
    QCOMPARE(h.counts, (QList<quint64> {2, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1}));

    const Histogram custom = Histogram::withBounds({5, 1, qInf(), 1, qQNaN(), 0.5});
    QCOMPARE(custom.upperBounds, (QList<double> {0.5, 1, 5}));
    QCOMPARE(custom.counts, (QList<quint64> {0, 0, 0}));
    QCOMPARE(custom.count, 0);
}

void tst_Prometheus::histogramBucketsAreCumulative()
{
    Histogram h;
    for (int i = 0; i < 1000; ++i)
        h.observe(i * 0.013);
    PrometheusWriter w;
    QVERIFY(w.histogram(u"x_seconds"_s, u"X."_s, h));

    quint64 previous = 0;
    quint64 infBucket = 0;
    quint64 count = 0;
    int buckets = 0;
    const QList<QByteArray> lines = w.finish().split('\n');
    for (const QByteArray &line : lines) {
        const QByteArray value = line.mid(line.lastIndexOf(' ') + 1);
        if (line.startsWith("x_seconds_bucket{")) {
            ++buckets;
            const quint64 n = value.toULongLong();
            QVERIFY2(n >= previous, line.constData());
            previous = n;
            if (line.contains("le=\"+Inf\""))
                infBucket = n;
        } else if (line.startsWith("x_seconds_count ")) {
            count = value.toULongLong();
        }
    }
    QCOMPARE(buckets, 14);
    QCOMPARE(count, 1000);
    QCOMPARE(infBucket, count);
}

void tst_Prometheus::rejected_data()
{
    // `setup` makes accepted calls; `call` is the one that must be rejected.
    QTest::addColumn<Call>("setup");
    QTest::addColumn<Call>("call");
    QTest::addColumn<QString>("error");

    const auto none = Call([](PrometheusWriter &) { return true; });
    const auto gauge
        = [](const QString &name, const Labels &labels = {}, const QString &help = u"H."_s) {
              return Call([=](PrometheusWriter &w) { return w.gauge(name, help, 1, labels); });
          };
    const auto histogram = [](const Histogram &h, const Labels &labels = {}) {
        return Call([=](PrometheusWriter &w) { return w.histogram(u"h"_s, u"H."_s, h, labels); });
    };
    const auto counter = [](const QString &name, double value, const Labels &labels = {}) {
        return Call([=](PrometheusWriter &w) { return w.counter(name, u"H."_s, value, labels); });
    };

    QTest::addRow("name starts with digit")
        << none << gauge(u"1abc"_s) << u"metric \"1abc\": name"_s;
    QTest::addRow("name with dash") << none << gauge(u"a-b"_s) << u"metric \"a-b\": name"_s;
    QTest::addRow("empty name") << none << gauge(QString()) << u"metric \"\": name"_s;
    QTest::addRow("non-ASCII name") << none << gauge(u"größe"_s) << u"name must match"_s;
    QTest::addRow("label starts with digit")
        << none << gauge(u"g"_s, {{u"1a"_s, u"v"_s}}) << u"label name \"1a\" must match"_s;
    QTest::addRow("label with colon")
        << none << gauge(u"g"_s, {{u"a:b"_s, u"v"_s}}) << u"label name \"a:b\" must match"_s;
    QTest::addRow("reserved label")
        << none << gauge(u"g"_s, {{u"__name__"_s, u"v"_s}}) << u"\"__name__\" is reserved"_s;
    QTest::addRow("repeated label")
        << none << gauge(u"g"_s, {{u"a"_s, u"1"_s}, {u"b"_s, u"2"_s}, {u"a"_s, u"3"_s}})
        << u"label name \"a\" is repeated"_s;
    QTest::addRow("counter without _total")
        << none << counter(u"requests"_s, 1)
        << u"counter \"requests\": name must end in \"_total\""_s;
    QTest::addRow("negative counter")
        << none << counter(u"r_total"_s, -1)
        << u"counter \"r_total\": value must be a non-negative number, not -1"_s;
    QTest::addRow("NaN counter") << none << counter(u"r_total"_s, qQNaN()) << u"not NaN"_s;
    QTest::addRow("le on a histogram") << none << histogram(Histogram {}, {{u"le"_s, u"1"_s}})
                                       << u"label name \"le\" is reserved for histogram buckets"_s;
    QTest::addRow("type redeclared")
        << gauge(u"x_total"_s) << counter(u"x_total"_s, 1, {{u"a"_s, u"b"_s}})
        << u"metric \"x_total\": already declared with another type"_s;
    QTest::addRow("help redeclared")
        << gauge(u"g"_s, {{u"a"_s, u"1"_s}}) << gauge(u"g"_s, {{u"a"_s, u"2"_s}}, u"Other."_s)
        << u"already declared with help \"H.\""_s;
    QTest::addRow("repeated label set") << gauge(u"g"_s, {{u"a"_s, u"1"_s}, {u"b"_s, u"2"_s}})
                                        << gauge(u"g"_s, {{u"b"_s, u"2"_s}, {u"a"_s, u"1"_s}})
                                        << u"repeated label set {a=\"1\",b=\"2\"}"_s;
    QTest::addRow("gauge clashes with histogram")
        << histogram(Histogram {}) << gauge(u"h_count"_s)
        << u"sample name \"h_count\" clashes with metric \"h\""_s;
    QTest::addRow("histogram clashes with gauge")
        << gauge(u"h_sum"_s) << histogram(Histogram {})
        << u"sample name \"h_sum\" clashes with metric \"h_sum\""_s;

    Histogram shortCounts;
    shortCounts.counts.removeLast();
    QTest::addRow("histogram counts do not match bounds")
        << none << histogram(shortCounts) << u"histogram \"h\": 12 counts for 13 bounds"_s;
    Histogram repeatedBound;
    repeatedBound.upperBounds[3] = repeatedBound.upperBounds[2];
    QTest::addRow("histogram bounds not increasing")
        << none << histogram(repeatedBound) << u"bounds must be finite and strictly increasing"_s;
    Histogram infiniteBound = Histogram::withBounds({1});
    infiniteBound.upperBounds[0] = qInf();
    QTest::addRow("histogram with infinite bound")
        << none << histogram(infiniteBound) << u"bounds must be finite and strictly increasing"_s;
    Histogram overfull;
    overfull.counts[0] = 2;
    overfull.count = 1;
    QTest::addRow("histogram buckets exceed count")
        << none << histogram(overfull) << u"buckets hold more observations than count"_s;
}

void tst_Prometheus::rejected()
{
    QFETCH(Call, setup);
    QFETCH(Call, call);
    QFETCH(QString, error);

    PrometheusWriter w;
    QVERIFY(w.gauge(u"before"_s, u"Accepted."_s, 1));
    QVERIFY(setup(w));
    QCOMPARE(w.errors(), QStringList());
    const QByteArray before = w.finish();

    QVERIFY(!call(w));
    QCOMPARE(w.errors().size(), 1);
    QVERIFY2(w.errors().first().contains(error), qPrintable(w.errors().first()));
    QCOMPARE(w.finish(), before); // the rejected sample left no trace
}

void tst_Prometheus::formatValue_data()
{
    QTest::addColumn<double>("value");
    QTest::addColumn<QByteArray>("text");

    QTest::addRow("zero") << 0.0 << QByteArray("0");
    QTest::addRow("negative zero") << -0.0 << QByteArray("0");
    QTest::addRow("integer") << 42.0 << QByteArray("42");
    QTest::addRow("negative integer") << -7.0 << QByteArray("-7");
    QTest::addRow("2^53 + 2") << 9007199254740994.0 << QByteArray("9007199254740994");
    QTest::addRow("1e20 without exponent") << 1e20 << QByteArray("100000000000000000000");
    QTest::addRow("1e21 with exponent") << 1e21 << QByteArray("1e+21");
    QTest::addRow("max double") << std::numeric_limits<double>::max()
                                << QByteArray("1.7976931348623157e+308");
    QTest::addRow("one tenth") << 0.1 << QByteArray("0.1");
    QTest::addRow("0.1 + 0.2") << 0.1 + 0.2 << QByteArray("0.30000000000000004");
    QTest::addRow("1e-4 plain") << 1e-4 << QByteArray("0.0001");
    QTest::addRow("bucket bound") << 0.0025 << QByteArray("0.0025");
    QTest::addRow("small") << 1.5e-5 << QByteArray("1.5e-05");
    QTest::addRow("denormal") << 5e-324 << QByteArray("5e-324");
    QTest::addRow("third") << 1.0 / 3 << QByteArray("0.3333333333333333");
    QTest::addRow("+Inf") << qInf() << QByteArray("+Inf");
    QTest::addRow("-Inf") << -qInf() << QByteArray("-Inf");
    QTest::addRow("NaN") << qQNaN() << QByteArray("NaN");
}

void tst_Prometheus::formatValue()
{
    QFETCH(double, value);
    QFETCH(QByteArray, text);

    QCOMPARE(PrometheusWriter::formatValue(value), text);
    if (std::isfinite(value)) {
        bool ok = false;
        const double parsed = text.toDouble(&ok);
        QVERIFY(ok);
        QVERIFY2(parsed == value, text.constData()); // exact: QCOMPARE on doubles is fuzzy
    }
}

void tst_Prometheus::promtool_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<bool>("accepted");

    const PrometheusWriter w = representativeExposition();
    QCOMPARE(w.errors(), QStringList());
    QTest::addRow("what the writer produces") << w.finish() << true;
    // Proves that promtool can say no, so that the row above means something.
    QTest::addRow("unescaped quote") << QByteArray("# TYPE g gauge\ng{l=\"a\"b\"} 1\n") << false;
}

void tst_Prometheus::promtool()
{
    QFETCH(QByteArray, text);
    QFETCH(bool, accepted);

    // Not a skip: the install script provides promtool (Debian's "prometheus").
    const QString promtool = QStandardPaths::findExecutable(u"promtool"_s);
    QVERIFY2(!promtool.isEmpty(),
             "promtool not found on PATH; install the \"prometheus\" package "
             "(packaging/install-deps.sh)");

    QProcess p;
    p.start(promtool, {u"check"_s, u"metrics"_s});
    QVERIFY2(p.waitForStarted(), qPrintable(p.errorString()));
    p.write(text);
    p.closeWriteChannel();
    QVERIFY(p.waitForFinished(30000));
    const QByteArray output = p.readAllStandardOutput() + p.readAllStandardError();
    const bool passed = p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    QVERIFY2(passed == accepted,
             qPrintable(u"promtool exit %1: %2\n--- text ---\n%3"_s.arg(p.exitCode())
                            .arg(QString::fromUtf8(output), QString::fromUtf8(text))));
}

// Issue 23, defect 6: an unknown process start time was exported as -1, a
// sentinel that dashboards plot as 1969. It is left out instead.
void tst_Prometheus::unknownStartTimeIsLeftOut()
{
    const sluice::metrics::Sample sample;
    const sluice::http::TrafficStats traffic;
    const sluice::jobs::EngineStats engine;
    const QByteArray known
        = sluice::service::renderExposition(sample, 1700000000.5, traffic, engine);
    QVERIFY2(known.contains("\nprocess_start_time_seconds 1"), known.left(600).constData());
    const QByteArray unknown = sluice::service::renderExposition(sample, -1, traffic, engine);
    QVERIFY2(!unknown.contains("process_start_time_seconds"), unknown.left(600).constData());
}

QTEST_GUILESS_MAIN(tst_Prometheus)
#include "tst_prometheus.moc"
