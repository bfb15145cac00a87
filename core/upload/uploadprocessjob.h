#pragma once

#include "jobs/jobkind.h"

#include <QByteArrayView>
#include <QStringList>

#include <memory>

namespace sluice::upload {

struct ImageDecodeLimits;

// Counts the records of a CSV stream (RFC 4180: quoted fields may hold
// commas, quotes doubled, and line breaks) and checks that every record has
// as many fields as the first. Fed in pieces of any size.
class CsvShape
{
public:
    void feed(QByteArrayView data);
    void finish();

    qint64 records() const { return m_records; }
    qint64 columns() const { return m_columns; }
    // Empty while the shape is consistent.
    QString problem() const { return m_problem; }

private:
    void endField();
    void endRecord();

    enum class State { FieldStart, Unquoted, Quoted, QuoteInQuoted, AfterCr };
    State m_state = State::FieldStart;
    qint64 m_fieldsInRecord = 0;
    qint64 m_records = 0;
    qint64 m_columns = 0;
    bool m_recordHasData = false;
    QString m_problem;
};

// Job kind "upload.process", queued for every stored upload (parameter
// `upload`: its id). Hashes the stored file again and compares with the
// record, checks the content type against the first bytes, counts the rows
// and columns of a CSV, makes a PNG thumbnail of an image (at most 256 px a
// side; decoded by the first sluice-thumbnail of `thumbnailHelpers` within
// `decodeLimits`, see ThumbnailProcess; none without it), and writes the
// outcome to the upload's row. Content problems and images over a decode
// limit fail the job without automatic retry (the file will not change); a
// manual retry runs it again.
class UploadProcessJob final : public jobs::JobKind
{
public:
    // `thumbnailHelpers`: thumbnailHelperCandidates().
    UploadProcessJob(QString databasePath, QString uploadsDir, QStringList thumbnailHelpers,
                     std::shared_ptr<const ImageDecodeLimits> decodeLimits);
    static QString kindName() { return QStringLiteral("upload.process"); }
    QString name() const override { return kindName(); }
    bool countsAsAccountResult() const override { return false; }
    QString validate(const QJsonObject &params) const override;
    jobs::JobOutcome run(jobs::JobContext &context) const override;

private:
    const QString m_databasePath;
    const QString m_uploadsDir;
    const QStringList m_thumbnailHelpers;
    const std::shared_ptr<const ImageDecodeLimits> m_decodeLimits;
};

} // namespace sluice::upload
