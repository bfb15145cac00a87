#pragma once

#include "util/expected.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace sluice::metrics {

struct AppendResult
{
    qsizetype linesWritten = 0; // a prefix of the lines given, each complete
    std::optional<Error> error; // set when the rest could not be written
};

// The rotating JSON-lines file behind EventLog, used only on its writer
// thread. Lines go to <dir>/events.jsonl with O_APPEND; before a line that
// would take the file past maxFileBytes, the files shift up one number
// (events.jsonl -> events.1.jsonl -> ...) and the one past keepFiles is
// deleted. A line longer than maxFileBytes gets a file of its own.
class EventLogFile final
{
public:
    EventLogFile(QString dir, qint64 maxFileBytes, int keepFiles);
    ~EventLogFile();
    Q_DISABLE_COPY_MOVE(EventLogFile)

    QString path() const;

    // The largest "seq" among the last lines of the newest file that has
    // any (events.jsonl, else events.1.jsonl, ...); 0 when there is none.
    // Reads at most the last 256 KiB of one file. Before the first append().
    quint64 lastSequenceOnDisk() const;

    // Appends lines, each ending in '\n'. A failed write is cut back to the
    // last complete line, the file is closed and the next call starts over
    // (creating the directory if needed), so a later call can succeed.
    AppendResult append(const QList<QByteArray> &lines);

private:
    Expected<void> open();
    Expected<void> writeSegment(const QByteArray &segment);
    Expected<void> rotate();
    void close();
    QString numberedPath(int number) const;

    QString m_dir;
    qint64 m_maxFileBytes;
    int m_keepFiles;
    int m_fd = -1;
    qint64 m_size = 0;
    bool m_needsNewline = false; // the file ended mid-line (a crash while writing)
};

} // namespace sluice::metrics
