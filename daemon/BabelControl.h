// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/BabelDump.h"

#include <QByteArray>
#include <QList>
#include <QLocalSocket>
#include <QObject>
#include <QString>
#include <QTimer>

namespace re6st::daemon {

// Client of stock babeld 1.12.1's text local interface (`-g`/`-G` socket,
// node-protocol.md §4.5): connects with retry until babeld is ready, reads the
// greeting, runs `dump` on request and optionally `monitor`; reconnects when
// babeld restarts. Never blocks: everything is driven by the event loop.
class BabelControl final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(BabelControl)
public:
    struct Tables
    {
        QList<babel::Interface> interfaces;
        QList<babel::Neighbour> neighbours;
        QList<babel::Route> routes;
        QList<babel::XRoute> xroutes;
        bool valid = false; // false: babeld unreachable, treat as an empty dump (§4.3 step 1)
    };

    explicit BabelControl(const QString &socketPath, QObject *parent = nullptr);
    ~BabelControl() override;

    void setRetryInterval(int ms) { m_retryMs = ms; }   // between connection attempts, default 1000
    void setReplyTimeout(int ms) { m_replyTimeoutMs = ms; } // no reply ⇒ reconnect, default 10000
    void start();  // connect now and keep (re)connecting until stop()
    void stop();   // close, no more reconnection
    bool isReady() const { return m_ready; } // greeting received
    QString socketPath() const { return m_path; }
    const BabelDump &state() const { return m_dump; } // greeting fields and current tables
    Tables tables() const;

    // Asks for one dump; `dumped` follows. Not connected ⇒ `dumped` with
    // invalid (empty) tables on the next event-loop turn (§4.3 step 1).
    void requestDump();
    // Monitor mode: babeld pushes every change; survives reconnections.
    void setMonitoring(bool enabled);
    bool isMonitoring() const { return m_monitoring; }

Q_SIGNALS:
    void ready();          // connected and greeted (after every (re)connection)
    void disconnected();   // babeld went away; reconnection is scheduled
    void dumped(const re6st::daemon::BabelControl::Tables &tables);
    void changed(const re6st::BabelDump::Line &line); // monitor update (not part of a dump answer)
    void protocolError(const QString &message);

private:
    enum class Command { Greeting, Dump, Monitor, Unmonitor };
    void tryConnect();
    void onConnected();
    void onDisconnected();
    void onReadyRead();
    void handleLine(QByteArrayView line);
    void sendNext();
    void abortConnection(const QString &why);
    void finishDumps(bool valid);

    QString m_path;
    QLocalSocket *m_socket = nullptr;
    QTimer m_retryTimer, m_replyTimer;
    int m_retryMs = 1000, m_replyTimeoutMs = 10000;
    bool m_running = false, m_ready = false, m_monitoring = false;
    bool m_monitorActive = false; // babeld currently monitoring for us
    QByteArray m_buffer;
    BabelDump m_dump;
    QList<Command> m_queue;       // commands to send, front first
    std::optional<Command> m_inFlight; // awaiting its ok/no/bad
    int m_dumpWaiters = 0;        // requestDump() calls not answered yet
};

} // namespace re6st::daemon
