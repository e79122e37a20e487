// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/Zlib.h"

#include <climits>
#include <zlib.h>

namespace re6st::zlib {

namespace {

// One deflate state per thread, reset between calls. deflateInit allocates
// and clears about 270 KB (window, hash chains); glibc hands that memory back
// to the kernel when it is freed at the top of the heap, so a fresh state per
// call (compress2) cost page faults and a memset several times the
// compression itself: about 60 % of the registry's CPU per getNetworkConfig.
// deflateReset keeps the level and sizes, so the output is compress2's, byte
// for byte.
class Deflater final
{
public:
    Deflater() { m_ready = deflateInit(&m_stream, Z_DEFAULT_COMPRESSION) == Z_OK; }
    ~Deflater()
    {
        if (m_ready) deflateEnd(&m_stream);
    }
    Deflater(const Deflater &) = delete;
    Deflater &operator=(const Deflater &) = delete;

    z_stream *reset() { return m_ready && deflateReset(&m_stream) == Z_OK ? &m_stream : nullptr; }

private:
    z_stream m_stream{};
    bool m_ready = false;
};

} // namespace

QByteArray compress(const QByteArray &data)
{
    thread_local Deflater deflater;
    z_stream *stream = deflater.reset();
    if (stream == nullptr || data.size() > qsizetype(UINT_MAX / 2)) return {};
    const uLong bound = deflateBound(stream, uLong(data.size()));
    QByteArray out(qsizetype(bound), Qt::Uninitialized);
    stream->next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.constData()));
    stream->avail_in = uInt(data.size());
    stream->next_out = reinterpret_cast<Bytef *>(out.data());
    stream->avail_out = uInt(bound);
    if (deflate(stream, Z_FINISH) != Z_STREAM_END) return {};
    out.resize(qsizetype(stream->total_out));
    return out;
}

std::optional<QByteArray> decompress(const QByteArray &data, qsizetype maxSize)
{
    z_stream stream{};
    if (inflateInit(&stream) != Z_OK) return std::nullopt;
    stream.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(data.constData()));
    stream.avail_in = uInt(data.size());
    QByteArray out;
    char buffer[16384];
    int status = Z_OK;
    while (status == Z_OK) {
        stream.next_out = reinterpret_cast<Bytef *>(buffer);
        stream.avail_out = sizeof buffer;
        status = inflate(&stream, Z_NO_FLUSH);
        if (status != Z_OK && status != Z_STREAM_END) break;
        out.append(buffer, qsizetype(sizeof buffer - stream.avail_out));
        if (out.size() > maxSize) status = Z_MEM_ERROR;
        else if (status == Z_OK && stream.avail_in == 0 && stream.avail_out != 0) status = Z_DATA_ERROR;
    }
    inflateEnd(&stream);
    if (status != Z_STREAM_END) return std::nullopt;
    return out;
}

} // namespace re6st::zlib
