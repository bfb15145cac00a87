#pragma once

// Reading text/event-stream in tests (GET /api/stream): complete blocks
// (ending in a blank line) taken off the front of what has arrived.

#include <QByteArray>
#include <QByteArrayList>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>

namespace sluice::test {

// One event: a block with an "event:" field.
struct SseFrame
{
    QByteArray id;
    QByteArray event;
    QJsonObject data;
};

struct SseBlocks
{
    QList<SseFrame> frames;
    int comments = 0; // ": ..." lines (heartbeats)
    int retries = 0; // "retry:" fields
    QByteArrayList events() const
    {
        QByteArrayList out;
        for (const SseFrame &f : frames)
            out.append(f.event);
        return out;
    }
};

// Parses the complete blocks at the front of `text` into `into` and removes
// them; an incomplete block stays for the next call.
inline void takeSseBlocks(QByteArray &text, SseBlocks &into)
{
    qsizetype end;
    while ((end = text.indexOf("\n\n")) >= 0) {
        SseFrame f;
        for (const QByteArray &line : text.left(end).split('\n')) {
            if (line.startsWith(':'))
                ++into.comments;
            else if (line.startsWith("retry: "))
                ++into.retries;
            else if (line.startsWith("id: "))
                f.id = line.mid(4);
            else if (line.startsWith("event: "))
                f.event = line.mid(7);
            else if (line.startsWith("data: "))
                f.data = QJsonDocument::fromJson(line.mid(6)).object();
        }
        if (!f.event.isEmpty())
            into.frames.append(f);
        text.remove(0, end + 2);
    }
}

} // namespace sluice::test
