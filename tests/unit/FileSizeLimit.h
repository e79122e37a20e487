// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// A full disk for one process, root included (tst_enrollment, tst_nodeenrollment).
#include <csignal>
#include <sys/resource.h>

namespace re6st::test {

// Files may not grow past `bytes` while alive: writes then fail with EFBIG
// (SIGXFSZ ignored), as on a full disk (ENOSPC) for our purpose. Unlike permission
// bits, RLIMIT_FSIZE binds root too. Process-wide: keep it alive briefly.
class FileSizeLimit final
{
public:
    explicit FileSizeLimit(rlim_t bytes)
    {
        std::signal(SIGXFSZ, SIG_IGN);
        ::getrlimit(RLIMIT_FSIZE, &m_saved);
        rlimit limit = m_saved;
        limit.rlim_cur = bytes;
        m_active = ::setrlimit(RLIMIT_FSIZE, &limit) == 0;
    }
    ~FileSizeLimit() { ::setrlimit(RLIMIT_FSIZE, &m_saved); }
    FileSizeLimit(const FileSizeLimit &) = delete;
    FileSizeLimit &operator=(const FileSizeLimit &) = delete;
    bool isActive() const { return m_active; }

private:
    rlimit m_saved{};
    bool m_active = false;
};

} // namespace re6st::test
