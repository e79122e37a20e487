// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QObject>
#include <initializer_list>

class QSocketNotifier;

namespace re6st::platform {

// Unix signals delivered as a Qt signal in the event loop (self-pipe), so
// handlers may do anything. Also ignores SIGPIPE. One instance per process.
class SignalPipe final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(SignalPipe)
public:
    explicit SignalPipe(std::initializer_list<int> signals, QObject *parent = nullptr);
    ~SignalPipe() override;
    bool isValid() const { return m_notifier != nullptr; }

Q_SIGNALS:
    void received(int signo);

private:
    QSocketNotifier *m_notifier = nullptr;
};

} // namespace re6st::platform
