// SPDX-License-Identifier: GPL-2.0-or-later
#include "platform/SignalPipe.h"

#include <QSocketNotifier>

#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <unistd.h>

namespace re6st::platform {

namespace {
int g_pipe[2] = {-1, -1};

void onSignal(int signo)
{
    const char byte = char(signo);
    const int saved = errno;
    [[maybe_unused]] ssize_t n = ::write(g_pipe[1], &byte, 1);
    errno = saved;
}
} // namespace

SignalPipe::SignalPipe(std::initializer_list<int> signals, QObject *parent) : QObject(parent)
{
    ::signal(SIGPIPE, SIG_IGN);
    if (g_pipe[0] < 0 && ::pipe2(g_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return;
    m_notifier = new QSocketNotifier(g_pipe[0], QSocketNotifier::Read, this);
    connect(m_notifier, &QSocketNotifier::activated, this, [this] {
        char signo = 0;
        while (::read(g_pipe[0], &signo, 1) == 1) Q_EMIT received(int(signo));
    });
    struct sigaction action = {};
    action.sa_handler = onSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    for (int signo : signals) ::sigaction(signo, &action, nullptr);
}

SignalPipe::~SignalPipe()
{
    // Signals arriving after this point are dropped into the pipe and never read.
}

} // namespace re6st::platform
