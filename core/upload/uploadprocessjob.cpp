#include "upload/uploadprocessjob.h"

#include "upload/sha256.h"
#include "upload/thumbnailprocess.h"
#include "upload/uploadrecord.h"
#include "util/outputfile.h"

#include <QFile>
#include <QJsonDocument>
#include <QMimeDatabase>
#include <QStringBuilder>
#include <QStringDecoder>

#include <cerrno>
#include <cstdio>

using namespace Qt::StringLiterals;

namespace sluice::upload {

void CsvShape::endField()
{
    ++m_fieldsInRecord;
}

void CsvShape::endRecord()
{
    endField();
    if (!m_recordHasData && m_fieldsInRecord == 1) {
        // An empty line: allowed only as the very end (handled by finish()).
        m_fieldsInRecord = 0;
        return;
    }
    ++m_records;
    if (m_records == 1)
        m_columns = m_fieldsInRecord;
    else if (m_fieldsInRecord != m_columns && m_problem.isEmpty())
        m_problem = u"record %1 has %2 fields; the first has %3"_s.arg(
            QString::number(m_records), QString::number(m_fieldsInRecord),
            QString::number(m_columns));
    m_fieldsInRecord = 0;
    m_recordHasData = false;
}

void CsvShape::feed(QByteArrayView data)
{
    for (const char c : data) {
        switch (m_state) {
        case State::AfterCr:
            m_state = State::FieldStart;
            if (c == '\n')
                break;
            [[fallthrough]];
        case State::FieldStart:
        case State::Unquoted:
            if (c == ',') {
                endField();
                m_recordHasData = true;
                m_state = State::FieldStart;
            } else if (c == '\r' || c == '\n') {
                endRecord();
                m_state = c == '\r' ? State::AfterCr : State::FieldStart;
            } else if (c == '"' && m_state == State::FieldStart) {
                m_recordHasData = true;
                m_state = State::Quoted;
            } else {
                m_recordHasData = true;
                m_state = State::Unquoted;
            }
            break;
        case State::Quoted:
            if (c == '"')
                m_state = State::QuoteInQuoted;
            break;
        case State::QuoteInQuoted:
            if (c == '"') {
                m_state = State::Quoted; // a doubled quote
            } else if (c == ',') {
                endField();
                m_state = State::FieldStart;
            } else if (c == '\r' || c == '\n') {
                endRecord();
                m_state = c == '\r' ? State::AfterCr : State::FieldStart;
            } else {
                if (m_problem.isEmpty())
                    m_problem = u"record %1: a quoted field goes on after its closing quote"_s.arg(
                        m_records + 1);
                m_state = State::Unquoted;
            }
            break;
        }
    }
}

void CsvShape::finish()
{
    if (m_state == State::Quoted && m_problem.isEmpty())
        m_problem = u"record %1: a quoted field is not closed"_s.arg(m_records + 1);
    if (m_recordHasData || m_fieldsInRecord > 0)
        endRecord();
}

UploadProcessJob::UploadProcessJob(QString databasePath, QString uploadsDir,
                                   QStringList thumbnailHelpers,
                                   std::shared_ptr<const ImageDecodeLimits> decodeLimits)
    : m_databasePath(std::move(databasePath))
    , m_uploadsDir(std::move(uploadsDir))
    , m_thumbnailHelpers(std::move(thumbnailHelpers))
    , m_decodeLimits(std::move(decodeLimits))
{ }

QString UploadProcessJob::validate(const QJsonObject &params) const
{
    if (params.size() != 1 || !isValidUploadId(params.value(u"upload"_s).toString()))
        return u"expected {\"upload\": \"<upload id>\"}"_s;
    return {};
}

namespace {

constexpr qint64 ReadPiece = 1024 * 1024;
constexpr int ThumbnailSide = 256;
constexpr qint64 MaxImagePixels = 200LL * 1000 * 1000;

// Records what the attempt found on the upload; the upload's state follows
// the job's once the engine has recorded it (UploadStore::followJob()).
struct Recorder
{
    QSqlDatabase db;
    QString id;
    QString jobId;
    int attempt = 0;

    jobs::JobOutcome fail(const QString &error, bool retryable)
    {
        (void)uploaddb::recordFindings(db, id, jobId, attempt, {{u"error"_s, error}});
        return jobs::JobOutcome::failure(u"upload %1: "_s.arg(id) % error, retryable);
    }
};

// The decoder runs in a process of its own, within image_decode_max_bytes and
// image_decode_max_ms, and is killed when the job is stopped: an image is
// untrusted input, and a decode cannot be interrupted in this process.
std::optional<jobs::JobOutcome> makeThumbnail(jobs::JobContext &context, Recorder &recorder,
                                              const QString &source, const QStringList &helpers,
                                              const ImageDecodeLimits &limits, QJsonObject &outcome)
{
    const QString helper = findThumbnailHelper(helpers);
    if (helper.isEmpty())
        return recorder.fail(u"cannot make a thumbnail: %1 is not installed"_s.arg(
                                 QLatin1StringView(ThumbnailHelperName)),
                             false);
    // Both in the attempt's temp folder, which goes whatever the outcome: a
    // helper killed while writing leaves nothing among the uploads.
    auto report = context.createTempFile(u".thumbnail.json"_s);
    if (!report)
        return jobs::JobOutcome::failure(report.error().message);
    auto png = context.createTempFile(u".thumbnail.png"_s);
    if (!png)
        return jobs::JobOutcome::failure(png.error().message);
    ThumbnailProcess::Request request;
    request.helper = helper;
    request.source = source;
    request.target = *png;
    request.reportFile = *report;
    request.side = ThumbnailSide;
    request.maxPixels = MaxImagePixels;
    request.maxBytes = limits.maxBytes.load();
    request.maxMs = limits.maxMs.load();
    const auto made = ThumbnailProcess::run(request, [&] { return context.isStopRequested(); });
    if (made.stopped)
        return jobs::JobOutcome::failure(u"stopped"_s);
    if (!made.problem.isEmpty())
        return recorder.fail(made.problem, made.retryable);
    const QString target = source % u".thumb.png"_s;
    if (::rename(QFile::encodeName(*png).constData(), QFile::encodeName(target).constData()) != 0)
        return recorder.fail(u"cannot store the thumbnail: "_s % qt_error_string(errno), true);
    // Only what the helper is asked for: its report is the word of a process
    // that read untrusted input.
    const QJsonObject thumb = made.outcome.value(u"thumbnail"_s).toObject();
    outcome.insert(u"width"_s, made.outcome.value(u"width"_s).toInt());
    outcome.insert(u"height"_s, made.outcome.value(u"height"_s).toInt());
    outcome.insert(u"thumbnail"_s,
                   QJsonObject {{u"width"_s, thumb.value(u"width"_s).toInt()},
                                {u"height"_s, thumb.value(u"height"_s).toInt()},
                                {u"bytes"_s, thumb.value(u"bytes"_s).toInteger()}});
    return std::nullopt;
}

} // namespace

jobs::JobOutcome UploadProcessJob::run(jobs::JobContext &context) const
{
    const QString id = context.job().params.value(u"upload"_s).toString();
    Recorder recorder {context.database(u"QSQLITE"_s, m_databasePath), id, context.job().id,
                       context.job().attempts};
    if (auto opened = uploaddb::open(recorder.db); !opened)
        return jobs::JobOutcome::failure(opened.error().message);
    auto found = uploaddb::find(recorder.db, id);
    if (!found)
        return jobs::JobOutcome::failure(found.error().message);
    if (!*found)
        return jobs::JobOutcome::failure(u"upload %1 was deleted"_s.arg(id), false);
    const UploadRecord record = **found;

    QFile file(m_uploadsDir % u'/' % id);
    if (!file.open(QIODevice::ReadOnly))
        return recorder.fail(u"cannot read the stored file: "_s % file.errorString(), true);

    const bool csv = record.mime == u"text/csv"_s;
    Sha256 hash;
    CsvShape shape;
    QStringDecoder utf8(QStringDecoder::Utf8);
    QByteArray head;
    qint64 done = 0;
    while (!file.atEnd()) {
        if (context.isStopRequested())
            return jobs::JobOutcome::failure(u"stopped"_s);
        const QByteArray piece = file.read(ReadPiece);
        if (piece.isEmpty() && file.error() != QFileDevice::NoError)
            return recorder.fail(u"cannot read the stored file: "_s % file.errorString(), true);
        hash.update(piece);
        if (head.size() < 4096)
            head.append(piece.first(std::min<qsizetype>(piece.size(), 4096 - head.size())));
        if (csv) {
            shape.feed(piece);
            (void)utf8.decode(piece);
        }
        done += piece.size();
        context.reportProgress(shape.records(), done,
                               record.size > 0 ? double(done) / double(record.size) : 1.0);
    }
    if (done != record.size)
        return recorder.fail(u"the stored file has %1 bytes; %2 were received"_s.arg(
                                 QString::number(done), QString::number(record.size)),
                             false);
    const QByteArray digest = hash.finish();
    if (digest.isEmpty())
        return jobs::JobOutcome::failure(u"SHA-256 is not available (OpenSSL)"_s);
    if (Sha256::toHex(digest).toLatin1() != record.sha256)
        return recorder.fail(u"the stored file's SHA-256 no longer matches the one received"_s,
                             false);

    const QMimeDatabase mimes;
    const QMimeType content = mimes.mimeTypeForData(head);
    const QMimeType recorded = mimes.mimeTypeForName(record.mime);
    if (!head.isEmpty() && recorded.isValid() && content != recorded
        && !recorded.inherits(content.name()))
        return recorder.fail(
            u"recorded as %1 but the content is %2"_s.arg(record.mime, content.name()), false);

    QJsonObject outcome {{u"sha256_verified"_s, true}};
    if (csv) {
        shape.finish();
        if (utf8.hasError())
            return recorder.fail(u"the CSV is not valid UTF-8"_s, false);
        if (!shape.problem().isEmpty())
            return recorder.fail(u"not a valid CSV: "_s % shape.problem(), false);
        outcome.insert(u"rows"_s, std::max<qint64>(0, shape.records() - 1)); // after the header
        outcome.insert(u"columns"_s, shape.columns());
    } else if (record.mime.startsWith(u"image/"_s)) {
        if (auto failed = makeThumbnail(context, recorder, file.fileName(), m_thumbnailHelpers,
                                        *m_decodeLimits, outcome))
            return *failed;
    }
    if (context.isStopRequested())
        return jobs::JobOutcome::failure(u"stopped"_s);
    auto recorded2
        = uploaddb::recordFindings(recorder.db, id, recorder.jobId, recorder.attempt, outcome);
    if (!recorded2)
        return jobs::JobOutcome::failure(recorded2.error().message);
    // Deleted meanwhile, handed to another job (a restart requeued it), or
    // this attempt's verdict is in already (it was cancelled).
    if (!*recorded2) {
        if (auto still = uploaddb::find(recorder.db, id); still && !*still)
            QFile::remove(m_uploadsDir % u'/' % id % u".thumb.png"_s);
        return jobs::JobOutcome::failure(
            u"upload %1 was deleted, is processed by another job, or this attempt was stopped"_s
                .arg(id),
            false);
    }
    // The job's result is the same outcome, as a small JSON report.
    auto report = context.createTempFile(u".json"_s);
    if (!report)
        return jobs::JobOutcome::failure(report.error().message);
    outcome.insert(u"upload"_s, id);
    OutputFile out;
    auto written = out.open(*report, u"the report of upload "_s % id);
    if (written)
        written = out.write(QJsonDocument(outcome).toJson());
    if (written)
        written = out.close();
    if (!written)
        return jobs::JobOutcome::failure(written.error().message);
    return jobs::JobOutcome::success(*report, record.name % u".report.json"_s,
                                     u"application/json"_s);
}

} // namespace sluice::upload
