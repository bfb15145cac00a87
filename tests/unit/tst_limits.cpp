#include "config/limits.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>
#include <QSet>
#include <QTest>

#include <algorithm>

using namespace Qt::StringLiterals;
using sluice::config::findLimitField;
using sluice::config::LimitField;
using sluice::config::limitFields;
using sluice::config::Limits;

namespace sluice::config {
// Lets QCOMPARE print both sides.
char *toString(const Limits &limits)
{
    return QTest::toString(QJsonDocument(limits.toJson()).toJson(QJsonDocument::Compact));
}
} // namespace sluice::config

namespace {

// QVERIFY2 evaluates its message even on success, when there is no error().
template<typename T> QByteArray failureOf(const sluice::Expected<T> &result)
{
    return result ? QByteArray() : result.error().message.toUtf8();
}

bool anyContains(const QStringList &messages, const QString &a, const QString &b = {})
{
    return std::any_of(messages.begin(), messages.end(),
                       [&](const QString &m) { return m.contains(a) && m.contains(b); });
}

// Keeps max_connections_per_client <= max_connections after one field moved,
// by moving the other one, so that a single-field test sees only its field.
// Limits that must not exceed a partner (a per-client share of a whole):
// moving one of them moves its partner along, so that a bound stays valid.
void keepPerClientConsistent(Limits &limits, const LimitField &changed)
{
    const std::pair<qint64 Limits::*, qint64 Limits::*> pairs[] = {
        {&Limits::maxConnectionsPerClient, &Limits::maxConnections},
        {&Limits::maxUploadsPerAccount, &Limits::maxConcurrentUploads},
        {&Limits::maxLiveExportsPerAccount, &Limits::maxLiveExports},
        {&Limits::maxMultipartFileParts, &Limits::maxMultipartParts},
        {&Limits::bodyIdleTimeoutMs, &Limits::tempFileTtlMs},
    };
    for (const auto &[part, whole] : pairs) {
        if (limits.*part <= limits.*whole)
            continue;
        if (changed.member == part)
            limits.*whole = limits.*part;
        else
            limits.*part = limits.*whole;
    }
}

} // namespace

class tst_Limits : public QObject
{
    Q_OBJECT

private slots:
    void accountShare();
    void retiredKeysStillLoad();
    void defaultsAreValid();
    void tableCoversEveryMember();
    void tableIsWellFormed();
    void findLimitFieldByKey();
    void boundsAreAccepted_data();
    void boundsAreAccepted();
    void outOfRangeIsRejected_data();
    void outOfRangeIsRejected();
    void messageFormat();
    void perClientMustNotExceedTotal();
    void fromJsonRejects_data();
    void fromJsonRejects();
    void fromJsonPartialObjectKeepsDefaults();
    void jsonRoundTrip();
};

void tst_Limits::defaultsAreValid()
{
    const Limits defaults;
    QCOMPARE(defaults.validate(), QStringList());
    for (const LimitField &field : limitFields())
        QCOMPARE(field.defaultValue, defaults.*field.member);
}

void tst_Limits::tableCoversEveryMember()
{
    // Limits holds only qint64 members; a member without a row changes the size.
    QCOMPARE(sizeof(Limits), limitFields().size() * sizeof(qint64));

    // Each row reaches a different member: writing through one row changes the
    // struct and no other row's value.
    for (const LimitField &field : limitFields()) {
        Limits limits;
        limits.*field.member = field.defaultValue + 1;
        QVERIFY2(limits != Limits(), field.key);
        for (const LimitField &other : limitFields()) {
            if (&other != &field)
                QCOMPARE(limits.*other.member, other.defaultValue);
        }
    }
}

void tst_Limits::tableIsWellFormed()
{
    static const QRegularExpression snakeCase(u"^[a-z][a-z0-9]*(_[a-z0-9]+)*$"_s);
    QSet<QString> keys;
    for (const LimitField &field : limitFields()) {
        const QString key = QString::fromLatin1(field.key);
        QVERIFY2(snakeCase.match(key).hasMatch(), field.key);
        QVERIFY2(!keys.contains(key), field.key);
        keys.insert(key);
        const QString unit = QString::fromLatin1(field.unit);
        QVERIFY2(unit == "count"_L1 || key.endsWith(u"_"_s + unit), field.key);
        QVERIFY2(field.minimum <= field.defaultValue && field.defaultValue <= field.maximum,
                 field.key);
        QVERIFY2(field.help && *field.help, field.key);
    }
    QCOMPARE(qsizetype(keys.size()), qsizetype(sizeof(Limits) / sizeof(qint64)));
}

void tst_Limits::findLimitFieldByKey()
{
    const LimitField *field = findLimitField(u"max_header_fields");
    QVERIFY(field);
    QVERIFY(field->member == &Limits::maxHeaderFields);
    QVERIFY(!findLimitField(u"maxHeaderFields"));
    QVERIFY(!findLimitField(u""));
}

void tst_Limits::boundsAreAccepted_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<bool>("upper");
    for (const LimitField &field : limitFields()) {
        QTest::addRow("%s minimum", field.key) << QString::fromLatin1(field.key) << false;
        QTest::addRow("%s maximum", field.key) << QString::fromLatin1(field.key) << true;
    }
}

void tst_Limits::boundsAreAccepted()
{
    QFETCH(QString, key);
    QFETCH(bool, upper);
    const LimitField *field = findLimitField(key);
    QVERIFY(field);
    Limits limits;
    limits.*field->member = upper ? field->maximum : field->minimum;
    keepPerClientConsistent(limits, *field);
    QCOMPARE(limits.validate(), QStringList());
}

void tst_Limits::outOfRangeIsRejected_data()
{
    QTest::addColumn<QString>("key");
    QTest::addColumn<qint64>("value");
    for (const LimitField &field : limitFields()) {
        const QString key = QString::fromLatin1(field.key);
        QTest::addRow("%s below", field.key) << key << field.minimum - 1;
        QTest::addRow("%s above", field.key) << key << field.maximum + 1;
    }
}

void tst_Limits::outOfRangeIsRejected()
{
    QFETCH(QString, key);
    QFETCH(qint64, value);
    const LimitField *field = findLimitField(key);
    QVERIFY(field);
    Limits limits;
    limits.*field->member = value;
    keepPerClientConsistent(limits, *field);

    // Moving one of a pair (max_connections and its per-client share, say)
    // may also move its partner out of range; this field must be reported
    // exactly once either way.
    const QStringList messages = limits.validate();
    const QStringList own = messages.filter(QRegularExpression(
        u"^"_s + key
        + u" must be between \\d+ and \\d+( ms| bytes| bytes_per_s| days| percent)? \\(got "_s
        + QString::number(value) + u"\\)$"_s));
    QVERIFY2(own.size() == 1, qPrintable(messages.join(u'\n')));
    bool partnerMoved = false;
    for (const LimitField &other : limitFields())
        partnerMoved |= other.member != field->member && limits.*other.member != other.defaultValue;
    if (!partnerMoved)
        QCOMPARE(messages.size(), 1);

    const auto parsed = Limits::fromJson(QJsonObject {{key, value}});
    QVERIFY(!parsed);
    QVERIFY2(parsed.error().message.contains(key), qPrintable(parsed.error().message));
}

void tst_Limits::messageFormat()
{
    Limits limits;
    limits.maxConnections = 0;
    limits.maxConnectionsPerClient = 0;
    limits.headerDeadlineMs = 50;
    QCOMPARE(limits.validate(),
             QStringList({u"header_deadline_ms must be between 100 and 3600000 ms (got 50)"_s,
                          u"max_connections must be between 1 and 100000 (got 0)"_s,
                          u"max_connections_per_client must be between 1 and 100000 (got 0)"_s}));
}

void tst_Limits::perClientMustNotExceedTotal()
{
    Limits limits;
    limits.maxConnections = 50;
    limits.maxConnectionsPerClient = 51;
    const QStringList messages = limits.validate();
    QCOMPARE(messages.size(), 1);
    QVERIFY2(anyContains(messages, u"max_connections_per_client"_s, u"max_connections is 50"_s),
             qPrintable(messages.join(u'\n')));

    limits.maxConnectionsPerClient = 50;
    QCOMPARE(limits.validate(), QStringList());
}

void tst_Limits::fromJsonRejects_data()
{
    QTest::addColumn<QJsonObject>("object");
    QTest::addColumn<QString>("expected");

    QTest::addRow("unknown key") << QJsonObject {{u"colour"_s, 3}} << u"unknown limit 'colour'"_s;
    QTest::addRow("camelCase key")
        << QJsonObject {{u"maxConnections"_s, 3}} << u"unknown limit 'maxConnections'"_s;
    QTest::addRow("string") << QJsonObject {{u"max_connections"_s, u"100"_s}}
                            << u"max_connections must be an integer (got \"100\")"_s;
    QTest::addRow("bool") << QJsonObject {{u"max_header_fields"_s, true}}
                          << u"max_header_fields must be an integer (got true)"_s;
    QTest::addRow("null") << QJsonObject {{u"shutdown_grace_ms"_s, QJsonValue::Null}}
                          << u"shutdown_grace_ms must be an integer (got null)"_s;
    QTest::addRow("array") << QJsonObject {{u"max_header_bytes"_s, QJsonArray {1}}}
                           << u"max_header_bytes must be an integer (got an array)"_s;
    QTest::addRow("fraction") << QJsonObject {{u"max_connections"_s, 10.5}}
                              << u"max_connections must be an integer (got 10.5)"_s;
    QTest::addRow("huge") << QJsonObject {{u"socket_read_buffer_bytes"_s, 1e30}}
                          << u"socket_read_buffer_bytes must be between 4096 and 16777216 bytes "
                             u"(got 1e+30)"_s;
    QTest::addRow("valid and cross-field")
        << QJsonObject {{u"max_connections"_s, 10}, {u"max_connections_per_client"_s, 20}}
        << u"max_connections_per_client must not exceed max_connections"_s;
}

void tst_Limits::fromJsonRejects()
{
    QFETCH(QJsonObject, object);
    QFETCH(QString, expected);
    const auto parsed = Limits::fromJson(object);
    QVERIFY(!parsed);
    QVERIFY2(parsed.error().message.contains(expected), qPrintable(parsed.error().message));
}

void tst_Limits::fromJsonPartialObjectKeepsDefaults()
{
    const auto parsed
        = Limits::fromJson(QJsonObject {{u"max_connections"_s, 1000}, {u"shutdown_grace_ms"_s, 0}});
    QVERIFY2(parsed, failureOf(parsed).constData());
    Limits expected;
    expected.maxConnections = 1000;
    expected.shutdownGraceMs = 0;
    QCOMPARE(*parsed, expected);

    const auto empty = Limits::fromJson(QJsonObject {});
    QVERIFY(empty);
    QCOMPARE(*empty, Limits());
}

void tst_Limits::jsonRoundTrip()
{
    // A distinct valid value in every field.
    Limits limits;
    for (const LimitField &field : limitFields())
        limits.*field.member = field.minimum + (field.maximum - field.minimum) / 3;
    limits.maxConnectionsPerClient = limits.maxConnections - 1;
    QCOMPARE(limits.validate(), QStringList());

    const QJsonObject json = limits.toJson();
    QCOMPARE(json.size(), limitFields().size());
    QCOMPARE(json.value(u"max_connections"_s).toInteger(), limits.maxConnections);
    const auto parsed = Limits::fromJson(json);
    QVERIFY2(parsed, failureOf(parsed).constData());
    QCOMPARE(*parsed, limits);
}

// Review (issue 18, F3): the per-account quotas were numbers fixed when the
// config was written, so lowering the global limit left one account free to
// fill it. A share is of the whole's current value.
void tst_Limits::accountShare()
{
    Limits l;
    QCOMPARE(l.accountSharePercent, 25);
    QCOMPARE(l.accountShare(1000), 250);
    l.maxResultBytes = 2LL * 1024 * 1024 * 1024;
    QCOMPARE(l.accountShare(l.maxResultBytes), 512LL * 1024 * 1024);
    // Fewer accounts than the share allows: an equal part each.
    QCOMPARE(l.accountShare(1000, 1), 1000);
    QCOMPARE(l.accountShare(1000, 2), 500);
    QCOMPARE(l.accountShare(1000, 3), 330); // 33 %
    QCOMPARE(l.accountShare(1000, 10), 250);
    // Small wholes do not round to nothing, huge ones do not overflow.
    QCOMPARE(l.accountShare(3), 1);
    QCOMPARE(l.accountShare(150), 37);
    const qint64 huge = 1LL << 60;
    QCOMPARE(l.accountShare(huge), huge / 4);
    l.accountSharePercent = 100;
    QCOMPARE(l.accountShare(huge, 5), huge);
}

// A config file saved by the build that had per-account byte quotas still
// loads; the keys it cannot use are dropped.
void tst_Limits::retiredKeysStillLoad()
{
    const auto read = Limits::fromJson(QJsonObject {{u"max_account_result_bytes"_s, 5},
                                                    {u"max_account_upload_temp_bytes"_s, 7},
                                                    {u"max_connections"_s, 100}});
    QVERIFY2(read, read ? "" : qPrintable(read.error().message));
    QCOMPARE(read->maxConnections, 100);
    QCOMPARE(*read, [] {
        Limits l;
        l.maxConnections = 100;
        return l;
    }());
    QVERIFY(!read->toJson().contains(u"max_account_result_bytes"_s));
}

QTEST_GUILESS_MAIN(tst_Limits)
#include "tst_limits.moc"
