#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QSet>
#include <QString>
#include <QStringList>

#include <utility>

namespace sluice::metrics {

// Label name/value pairs of one sample, e.g. {{u"route"_s, u"/jobs"_s}}.
using Labels = QList<std::pair<QString, QString>>;

// A cumulative-on-output histogram with fixed bucket bounds, as a plain value:
// copy it across threads, observe() into it, hand it to PrometheusWriter.
struct Histogram
{
    // Bounds for request durations in seconds (the Prometheus client default).
    static QList<double> defaultSecondsBounds();
    // Sorted, de-duplicated, finite bounds; the +Inf bucket is always implicit.
    static Histogram withBounds(QList<double> upperBounds);

    QList<double> upperBounds = defaultSecondsBounds(); // strictly increasing, finite
    // Observations per bucket, not cumulative: counts[i] holds the values in
    // (upperBounds[i-1], upperBounds[i]]. Values above the last bound exist only
    // in `count`, which is what the +Inf bucket reports.
    QList<quint64> counts = QList<quint64>(upperBounds.size(), 0);
    quint64 count = 0;
    double sum = 0;

    // NaN is ignored: it would turn `sum` into NaN for good.
    void observe(double value);
};

// Writes the Prometheus text exposition format, version 0.0.4
// (https://prometheus.io/docs/instrumenting/exposition_formats/).
//
// Samples may be added in any order; samples with the same metric name form one
// family under a single # HELP / # TYPE pair, and families appear in the order
// of their first sample. Labels are written sorted by name, so equal label sets
// compare equal.
//
// Invalid input never produces invalid text: the offending sample is skipped,
// the method returns false and errors() says why, naming the input at fault.
// Rejected are: names that do not match the grammar, counters not ending in
// `_total` or with a negative or NaN value, reserved (`__` prefix) or repeated
// label names, `le` on a histogram, a family re-declared with another type or
// help text, a name clashing with a histogram's `_bucket`/`_sum`/`_count`,
// a repeated label set, and an inconsistent Histogram.
class PrometheusWriter
{
public:
    bool gauge(const QString &name, const QString &help, double value, const Labels &labels = {});
    bool counter(const QString &name, const QString &help, double value, const Labels &labels = {});
    bool histogram(const QString &name, const QString &help, const Histogram &histogram,
                   const Labels &labels = {});

    // The exposition text; ends with a newline unless no sample was accepted.
    // The writer is left unchanged, so finish() may be called again.
    QByteArray finish() const;
    const QStringList &errors() const { return m_errors; }

    // Sample value spelling: integers without exponent, +Inf, -Inf, NaN,
    // otherwise the shortest text that parses back to the same double.
    static QByteArray formatValue(double value);
    static bool isValidMetricName(const QString &name);
    static bool isValidLabelName(const QString &name);

private:
    enum class Type { Gauge, Counter, Histogram };
    struct Family
    {
        QString name;
        QString help;
        Type type;
        QByteArray samples;
        QSet<QByteArray> labelSets;
    };

    Family *family(const QString &name, const QString &help, Type type, const Labels &labels,
                   QByteArray *labelText);
    bool reject(QString message);

    QList<Family> m_families;
    QHash<QString, qsizetype> m_familyIndex;
    QHash<QString, QString> m_sampleNameOwner; // e.g. "x_bucket" -> "x"
    QStringList m_errors;
};

} // namespace sluice::metrics
