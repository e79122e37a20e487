// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <QFile>
#include <QFileInfo>
#include <QString>
#include <optional>

#include <sys/stat.h>

namespace re6st {

// Reads a small input file (an @option file, a PEM certificate or key) whole.
// Only regular files: a FIFO would block for ever and /dev/zero never ends.
// Capped, so a wrong path gives a clear error instead of exhausting memory.
// Header-only: both re6st-core and re6st-client-core (OptionFile) use it.
class RegularFile final
{
public:
    static constexpr qint64 kMaxSize = 1 << 20; // 1 MiB: real files are a few KiB

    // Nullopt + *error (without the path: callers name the file) on failure.
    static std::optional<QByteArray> read(const QString &path, QString *error, qint64 maxSize = kMaxSize)
    {
        auto failed = [error](const QString &why) {
            if (error) *error = why;
            return std::nullopt;
        };
        static const QString notRegular = QStringLiteral("not a regular file (give the path of a file, "
                                                         "not a directory, device or pipe)");
        // Checked before open(): opening a FIFO for reading blocks until a writer comes.
        const QFileInfo info(path);
        if (info.exists() && !info.isFile()) return failed(notRegular);
        QFile file(path);
        if (!file.open(QIODevice::ReadOnly)) return failed(file.errorString());
        struct stat st;
        if (::fstat(file.handle(), &st) != 0 || !S_ISREG(st.st_mode)) return failed(notRegular); // swapped meanwhile
        const QString tooLarge = maxSize % (1 << 20) == 0
            ? QStringLiteral("larger than %1 MiB; is this the right file?").arg(maxSize >> 20)
            : QStringLiteral("larger than %1 bytes; is this the right file?").arg(maxSize);
        if (st.st_size > maxSize) return failed(tooLarge);
        QByteArray data;
        while (data.size() <= maxSize) { // the size may have changed since fstat
            const QByteArray chunk = file.read(maxSize + 1 - data.size());
            if (chunk.isEmpty()) break;
            data += chunk;
        }
        if (file.error() != QFileDevice::NoError) return failed(file.errorString());
        if (data.size() > maxSize) return failed(tooLarge);
        return data;
    }
};

} // namespace re6st
