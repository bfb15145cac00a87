// The streaming multipart/form-data reader fed arbitrary bodies in arbitrary
// splits. Invariants: nothing crashes or leaks; the callbacks come in a legal
// order (partBegin, partData..., then exactly one of partEnd or
// partAborted); the parser's buffer stays within its documented bound; and
// what the handler sees does not depend on how the body was split.
#include "fuzzinput.h"

#include "upload/multipartparser.h"

#include <QCryptographicHash>
#include <QList>

using namespace sluice;
using namespace sluice::upload;

namespace {

const QByteArray Boundary = "fuzzBoundary42";

MultipartLimits limits()
{
    MultipartLimits l;
    l.maxParts = 8;
    l.maxFileParts = 4;
    l.maxFields = 6;
    l.maxFieldBytes = 256;
    l.maxPartHeaderBytes = 512;
    l.maxPartHeaderFields = 8;
    return l;
}

class Recorder final : public MultipartHandler
{
public:
    QList<QByteArray> events;
    const MultipartParser *parser = nullptr;
    bool open = false;
    QCryptographicHash hash {QCryptographicHash::Sha1};

    void checkBuffer() const
    {
        const MultipartLimits l = limits();
        SLUICE_FUZZ_CHECK(parser->bufferedBytes() <= l.maxPartHeaderBytes
                              + MultipartParser::kMaxTransportPadding + 1 + l.maxFieldBytes
                              + Boundary.size() + 8);
    }
    bool field(const Part &part, const QByteArray &value) override
    {
        SLUICE_FUZZ_CHECK(!open && !part.isFile() && !part.name.isEmpty());
        SLUICE_FUZZ_CHECK(value.size() <= limits().maxFieldBytes);
        events.append("field " + part.name.toUtf8() + '=' + value);
        return true;
    }
    bool partBegin(const Part &part) override
    {
        SLUICE_FUZZ_CHECK(!open && part.isFile());
        SLUICE_FUZZ_CHECK(!part.fileName->contains(u'/') && !part.fileName->contains(QChar(0)));
        open = true;
        hash.reset();
        events.append("file " + part.name.toUtf8() + ' ' + part.fileName->toUtf8() + ' '
                      + part.contentType);
        return true;
    }
    bool partData(QByteArrayView data) override
    {
        SLUICE_FUZZ_CHECK(open && !data.isEmpty());
        checkBuffer();
        hash.addData(data);
        return true;
    }
    bool partEnd() override
    {
        SLUICE_FUZZ_CHECK(open);
        open = false;
        events.append("end " + hash.result().toHex());
        return true;
    }
    void partAborted() override
    {
        SLUICE_FUZZ_CHECK(open);
        open = false;
        events.append("aborted");
    }
};

template<typename PieceSize> QList<QByteArray> parse(QByteArrayView body, PieceSize pieceSize)
{
    Recorder recorder;
    MultipartParser parser(Boundary, limits(), recorder);
    recorder.parser = &parser;
    size_t i = 0;
    for (qsizetype at = 0; at < body.size();) {
        const qsizetype n = std::min(pieceSize(i++), body.size() - at);
        const auto fed = parser.feed(body.sliced(at, n));
        recorder.checkBuffer();
        at += n;
        if (!fed) {
            SLUICE_FUZZ_CHECK(fed.error().httpStatus >= 400 && fed.error().httpStatus <= 415);
            SLUICE_FUZZ_CHECK(!recorder.open);
            recorder.events.append("error " + QByteArray::number(fed.error().httpStatus));
            return recorder.events;
        }
    }
    const auto finished = parser.finish();
    if (!finished)
        recorder.events.append("error " + QByteArray::number(finished.error().httpStatus));
    if (recorder.open)
        parser.abort();
    SLUICE_FUZZ_CHECK(!recorder.open);
    return recorder.events;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const fuzz::Splitter splitter(data, size);
    const QByteArrayView body = splitter.payload();
    const auto whole = parse(body, [&](size_t) { return body.size() + 1; });
    const auto split = parse(body, [&](size_t i) { return splitter.piece(i); });
    const auto bytes = parse(body, [](size_t) { return qsizetype(1); });
    SLUICE_FUZZ_CHECK(whole == split);
    SLUICE_FUZZ_CHECK(whole == bytes);
    return 0;
}
