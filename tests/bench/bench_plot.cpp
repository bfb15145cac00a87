// Draws memory-over-time plots for docs/benchmarks.md with Qt Charts,
// offscreen: one line per CSV (as bench_uploads --rss-csv writes them:
// "seconds,rss_growth_mib"), named after the part of the file name after the
// last '-' (the server). The y axis is logarithmic, because the peers differ
// by three orders of magnitude (QHttpServer holds whole bodies); growth
// under 0.1 MiB is drawn at 0.1 (none). Not a test.
//
//   bench_plot --title "4 x 1 GiB uploads" --out plot.png a-sluice.csv a-node.csv
#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QCommandLineParser>
#include <QFile>
#include <QFileInfo>
#include <QLineSeries>
#include <QLogValueAxis>
#include <QValueAxis>

#include <algorithm>
#include <cstdio>

namespace {

constexpr double MinMiB = 0.1;

QLineSeries *readSeries(const QString &path, double *maxX, double *maxY)
{
    QFile in(path);
    if (!in.open(QIODevice::ReadOnly | QIODevice::Text))
        return nullptr;
    auto *series = new QLineSeries;
    const QString base = QFileInfo(path).completeBaseName();
    series->setName(base.mid(base.lastIndexOf(u'-') + 1));
    in.readLine(); // header
    while (!in.atEnd()) {
        const QList<QByteArray> fields = in.readLine().trimmed().split(',');
        if (fields.size() != 2)
            continue;
        const double x = fields[0].toDouble();
        const double y = std::max(MinMiB, fields[1].toDouble());
        series->append(x, y);
        *maxX = std::max(*maxX, x);
        *maxY = std::max(*maxY, y);
    }
    return series;
}

} // namespace

int main(int argc, char **argv)
{
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("RSS over time as a PNG"));
    parser.addHelpOption();
    const QCommandLineOption out(QStringLiteral("out"), QStringLiteral("PNG to write."),
                                 QStringLiteral("file"));
    const QCommandLineOption title(QStringLiteral("title"), QStringLiteral("Chart title."),
                                   QStringLiteral("text"));
    parser.addOptions({out, title});
    parser.addPositionalArgument(QStringLiteral("csv"), QStringLiteral("One file per line."));
    parser.process(app);
    if (!parser.isSet(out) || parser.positionalArguments().isEmpty()) {
        std::fprintf(stderr, "bench_plot: --out and at least one CSV are needed\n");
        return 2;
    }

    auto *chart = new QChart;
    chart->setTitle(parser.value(title));
    auto *x = new QValueAxis;
    x->setTitleText(QStringLiteral("seconds from the start of the uploads"));
    auto *y = new QLogValueAxis;
    y->setBase(10);
    y->setLabelFormat(QStringLiteral("%g"));
    y->setTitleText(QStringLiteral("RSS above idle, MiB (log; 0.1 = none)"));
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);
    double maxX = 1;
    double maxY = 1;
    for (const QString &path : parser.positionalArguments()) {
        QLineSeries *series = readSeries(path, &maxX, &maxY);
        if (!series) {
            std::fprintf(stderr, "bench_plot: cannot read %s\n", qPrintable(path));
            return 1;
        }
        chart->addSeries(series);
        series->attachAxis(x);
        series->attachAxis(y);
    }
    x->setRange(0, maxX);
    y->setRange(MinMiB, std::max(100.0, maxY * 2));
    x->applyNiceNumbers();

    QChartView view(chart);
    view.setRenderHint(QPainter::Antialiasing);
    view.resize(900, 480);
    if (!view.grab().save(parser.value(out))) {
        std::fprintf(stderr, "bench_plot: cannot write %s\n", qPrintable(parser.value(out)));
        return 1;
    }
    return 0;
}
