#include "metrics/prometheus.h"

#include <QLocale>

#include <algorithm>
#include <cmath>

using namespace Qt::StringLiterals;

namespace sluice::metrics {

namespace {

bool isAsciiLetter(QChar c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z');
}
bool isAsciiDigit(QChar c)
{
    return c >= u'0' && c <= u'9';
}

// [a-zA-Z_][a-zA-Z0-9_]*, with ':' allowed anywhere in metric names.
bool matchesNameGrammar(const QString &name, bool allowColon)
{
    if (name.isEmpty())
        return false;
    for (qsizetype i = 0; i < name.size(); ++i) {
        const QChar c = name.at(i);
        const bool ok = isAsciiLetter(c) || c == u'_' || (allowColon && c == u':')
            || (i > 0 && isAsciiDigit(c));
        if (!ok)
            return false;
    }
    return true;
}

// HELP escapes backslash and newline; label values also escape the double
// quote (exposition format 0.0.4, "Text format details").
QByteArray escaped(const QString &text, bool escapeQuote)
{
    const QByteArray utf8 = text.toUtf8();
    QByteArray out;
    out.reserve(utf8.size());
    for (const char c : utf8) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else if (c == '"' && escapeQuote)
            out += "\\\"";
        else
            out += c;
    }
    return out;
}

QByteArray sampleLine(const QString &name, const QByteArray &labelText, const QByteArray &value)
{
    QByteArray line = name.toUtf8();
    if (!labelText.isEmpty())
        line += '{' + labelText + '}';
    return line + ' ' + value + '\n';
}

QByteArray withLabel(const QByteArray &labelText, const QByteArray &name, const QByteArray &value)
{
    return labelText + (labelText.isEmpty() ? "" : ",") + name + "=\"" + value + '"';
}

QString quoted(const QString &s)
{
    return u'"' + s + u'"';
}

// Why `label` cannot be used, or an empty string. `previous` is the label
// before it in sorted order, to catch repeats. The grammar and the reserved
// "__" prefix are from the data model docs; "le" is the histogram's own.
QString labelNameProblem(const QString &label, const QString *previous, bool inHistogram)
{
    if (!PrometheusWriter::isValidLabelName(label))
        return u"must match [a-zA-Z_][a-zA-Z0-9_]*"_s;
    if (label.startsWith(u"__"_s))
        return u"is reserved (\"__\" prefix)"_s;
    if (previous && *previous == label)
        return u"is repeated"_s;
    if (inHistogram && label == u"le"_s)
        return u"is reserved for histogram buckets"_s;
    return {};
}

// Writes `labels` sorted by name as `a="1",b="2"` into `text`; returns what is
// wrong with them, or an empty string.
QString renderLabels(Labels labels, bool inHistogram, QByteArray *text)
{
    std::stable_sort(labels.begin(), labels.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });
    for (qsizetype i = 0; i < labels.size(); ++i) {
        const QString &label = labels.at(i).first;
        const QString problem
            = labelNameProblem(label, i > 0 ? &labels.at(i - 1).first : nullptr, inHistogram);
        if (!problem.isEmpty())
            return u"label name "_s + quoted(label) + u' ' + problem;
        *text = withLabel(*text, label.toUtf8(), escaped(labels.at(i).second, true));
    }
    return {};
}

// The names a family's samples use, which no other family may use.
QStringList sampleNames(const QString &family, bool isHistogram)
{
    if (!isHistogram)
        return {family};
    return {family + u"_bucket"_s, family + u"_sum"_s, family + u"_count"_s};
}

} // namespace

QList<double> Histogram::defaultSecondsBounds()
{
    return {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

Histogram Histogram::withBounds(QList<double> upperBounds)
{
    upperBounds.removeIf([](double b) { return !std::isfinite(b); });
    std::sort(upperBounds.begin(), upperBounds.end());
    upperBounds.erase(std::unique(upperBounds.begin(), upperBounds.end()), upperBounds.end());
    Histogram h;
    h.counts = QList<quint64>(upperBounds.size(), 0);
    h.upperBounds = std::move(upperBounds);
    return h;
}

void Histogram::observe(double value)
{
    if (std::isnan(value))
        return;
    // Buckets are "less than or equal": the first bound >= value.
    const auto bound = std::lower_bound(upperBounds.cbegin(), upperBounds.cend(), value);
    const qsizetype bucket = bound - upperBounds.cbegin();
    if (bucket < counts.size())
        ++counts[bucket];
    ++count;
    sum += value;
}

QByteArray PrometheusWriter::formatValue(double value)
{
    if (std::isnan(value))
        return "NaN";
    if (std::isinf(value))
        return value > 0 ? "+Inf" : "-Inf";
    if (value == 0)
        return "0";
    // Plain digits where they stay readable (all integers below 1e21 among
    // them), exponent notation for the very small and the very large. Both
    // are the shortest digits that round-trip.
    const double magnitude = std::abs(value);
    const char format = magnitude >= 1e-4 && magnitude < 1e21 ? 'f' : 'e';
    return QByteArray::number(value, format, QLocale::FloatingPointShortest);
}

bool PrometheusWriter::isValidMetricName(const QString &name)
{
    return matchesNameGrammar(name, true);
}

bool PrometheusWriter::isValidLabelName(const QString &name)
{
    return matchesNameGrammar(name, false);
}

bool PrometheusWriter::reject(QString message)
{
    m_errors.append(std::move(message));
    return false;
}

PrometheusWriter::Family *PrometheusWriter::family(const QString &name, const QString &help,
                                                   Type type, const Labels &labels,
                                                   QByteArray *labelText)
{
    const QString what = u"metric "_s + quoted(name);
    if (!isValidMetricName(name)) {
        reject(what + u": name must match [a-zA-Z_:][a-zA-Z0-9_:]*"_s);
        return nullptr;
    }

    QByteArray text;
    if (const QString problem = renderLabels(labels, type == Type::Histogram, &text);
        !problem.isEmpty()) {
        reject(what + u": "_s + problem);
        return nullptr;
    }

    Family *f = nullptr;
    if (const auto found = m_familyIndex.constFind(name); found != m_familyIndex.cend()) {
        f = &m_families[*found];
        if (f->type != type) {
            reject(what + u": already declared with another type"_s);
            return nullptr;
        }
        if (f->help != help) {
            reject(what + u": already declared with help "_s + quoted(f->help));
            return nullptr;
        }
    } else {
        for (const QString &sampleName : sampleNames(name, type == Type::Histogram)) {
            if (m_sampleNameOwner.contains(sampleName)) {
                reject(what + u": sample name "_s + quoted(sampleName) + u" clashes with metric "_s
                       + quoted(m_sampleNameOwner.value(sampleName)));
                return nullptr;
            }
        }
    }
    if (f && f->labelSets.contains(text)) {
        reject(what + u": repeated label set {"_s + QString::fromUtf8(text) + u'}');
        return nullptr;
    }

    if (!f) {
        m_familyIndex.insert(name, m_families.size());
        f = &m_families.emplaceBack(Family {name, help, type, {}, {}});
        for (const QString &sampleName : sampleNames(name, type == Type::Histogram))
            m_sampleNameOwner.insert(sampleName, name);
    }
    f->labelSets.insert(text);
    *labelText = text;
    return f;
}

bool PrometheusWriter::gauge(const QString &name, const QString &help, double value,
                             const Labels &labels)
{
    QByteArray labelText;
    Family *f = family(name, help, Type::Gauge, labels, &labelText);
    if (!f)
        return false;
    f->samples += sampleLine(name, labelText, formatValue(value));
    return true;
}

bool PrometheusWriter::counter(const QString &name, const QString &help, double value,
                               const Labels &labels)
{
    const QString what = u"counter "_s + quoted(name);
    if (!name.endsWith(u"_total"_s))
        return reject(what + u": name must end in \"_total\""_s);
    if (!(value >= 0))
        return reject(what + u": value must be a non-negative number, not "_s
                      + QString::fromLatin1(formatValue(value)));
    QByteArray labelText;
    Family *f = family(name, help, Type::Counter, labels, &labelText);
    if (!f)
        return false;
    f->samples += sampleLine(name, labelText, formatValue(value));
    return true;
}

bool PrometheusWriter::histogram(const QString &name, const QString &help, const Histogram &h,
                                 const Labels &labels)
{
    const QString what = u"histogram "_s + quoted(name);
    if (h.counts.size() != h.upperBounds.size())
        return reject(what + u": "_s + QString::number(h.counts.size()) + u" counts for "_s
                      + QString::number(h.upperBounds.size()) + u" bounds"_s);
    for (qsizetype i = 0; i < h.upperBounds.size(); ++i) {
        const double b = h.upperBounds.at(i);
        if (!std::isfinite(b) || (i > 0 && !(b > h.upperBounds.at(i - 1))))
            return reject(what + u": bounds must be finite and strictly increasing"_s);
    }
    quint64 cumulative = 0;
    for (const quint64 c : h.counts)
        cumulative += c;
    if (cumulative > h.count)
        return reject(what + u": buckets hold more observations than count"_s);

    QByteArray labelText;
    Family *f = family(name, help, Type::Histogram, labels, &labelText);
    if (!f)
        return false;
    const QString bucketName = name + u"_bucket"_s;
    cumulative = 0;
    for (qsizetype i = 0; i < h.upperBounds.size(); ++i) {
        cumulative += h.counts.at(i);
        f->samples
            += sampleLine(bucketName, withLabel(labelText, "le", formatValue(h.upperBounds.at(i))),
                          QByteArray::number(cumulative));
    }
    f->samples
        += sampleLine(bucketName, withLabel(labelText, "le", "+Inf"), QByteArray::number(h.count));
    f->samples += sampleLine(name + u"_sum"_s, labelText, formatValue(h.sum));
    f->samples += sampleLine(name + u"_count"_s, labelText, QByteArray::number(h.count));
    return true;
}

QByteArray PrometheusWriter::finish() const
{
    QByteArray out;
    for (const Family &f : m_families) {
        const QByteArray name = f.name.toUtf8();
        if (!f.help.isEmpty())
            out += "# HELP " + name + ' ' + escaped(f.help, false) + '\n';
        const char *type = f.type == Type::Gauge ? "gauge"
            : f.type == Type::Counter            ? "counter"
                                                 : "histogram";
        out += "# TYPE " + name + ' ' + type + '\n' + f.samples;
    }
    return out;
}

} // namespace sluice::metrics
