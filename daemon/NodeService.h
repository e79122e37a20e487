// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "daemon/NodeController.h"
#include "daemon/NodeIdentity.h"
#include "daemon/NodeOptions.h"
#include "daemon/NodeStatus.h"

#include <QObject>
#include <QTimer>
#include <memory>
#include <optional>

namespace re6st::daemon {

class DBusService;
class NodeDaemon;
class NodeEnrollment;

// The re6stnet process around its node: starts and stops the NodeDaemon (at launch,
// and for org.re6st.Node1 Start/Stop), enrolls through NodeEnrollment, and feeds the
// D-Bus API its status. Headless (no bus) it behaves exactly like the node alone:
// the process ends when the node does. With --dbus-service a node that fails stays
// on the bus in state "error" so that the user can see why and act.
class NodeService final : public QObject, public NodeController
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NodeService)
public:
    explicit NodeService(NodeOptions options, QObject *parent = nullptr);
    ~NodeService() override;

    // Starts the node when enrolled; otherwise waits (stopped, not enrolled).
    void start();
    // Process exit requested (signals): stops the node, then finished(exitCode, false).
    void shutdown(int exitCode);
    // Serves the API on this service (not owned); refreshes it on changes and every 2 s.
    void attach(DBusService *dbus);

    // NetworkManager's view of --main-interface (HostNetworkService, issue 6 §1): while
    // it is down the node is paused (stopped as by Stop; the process stays) and it
    // resumes when the interface is up again, unless the user stopped it meanwhile.
    // `why`: shown as the state detail while paused.
    void setHostNetworkDown(bool down, const QString &why);

    NodeStatus status() const;
    const NodeDaemon *node() const { return m_node.get(); }

    // NodeController
    void start(Done done) override;
    void stop(Done done) override;
    void reloadConfig(Done done) override;
    void killTunnel(const QString &tunnel, Done done) override;
    void addNeighbour(const QString &prefix, Done done) override;
    void removeNeighbour(const QString &prefix, Done done) override;
    void fetchCa(const QString &registry, Done done) override;
    void requestToken(const QString &registry, const QString &fingerprint, const QString &email, Progress progress,
                      Done done) override;
    void enroll(const QString &registry, const QString &fingerprint, const QString &token, const QVariantMap &options,
                Progress progress, Done done) override;

Q_SIGNALS:
    // The process should end (restart: re-exec with the same arguments).
    void finished(int exitCode, bool restart);

private:
    bool startNode(QString *error, const char **errorName);
    void onNodeFinished(int exitCode, bool restart);
    void changed(); // refresh the D-Bus state soon (coalesced)
    // A stop is in progress (Stop, or a pause for the host network): Start and Stop calls
    // wait in m_stopWaiters, in arrival order, until the node has finished.
    bool stopping() const { return !m_stopWaiters.isEmpty(); }
    void answerStopWaiters();
    bool hasCertificateOptions() const { return !m_options.ca.isEmpty() && !m_options.cert.isEmpty() && !m_options.key.isEmpty(); }
    // Why a restart cannot start the node: re6stnet.conf was read at start (main.cpp)
    // and names no certificate files, so reading it again changes nothing (audit H4).
    QString confWithoutCertificates() const;
    QString notUpWhy() const; // for calls that need the node up

    NodeOptions m_options;
    std::optional<NodeIdentity> m_identity; // last loaded, shown while stopped
    std::unique_ptr<NodeDaemon> m_node;
    NodeEnrollment *m_enrollment = nullptr;
    DBusService *m_dbus = nullptr;
    QTimer m_poll, m_soon;
    QList<Done> m_stopWaiters;
    QString m_lastError;
    QString m_configDir;
    bool m_confAtStart = false; // <config-dir>/re6stnet.conf existed when the daemon started
    bool m_exiting = false;
    int m_exitCode = 0;
    // setHostNetworkDown: the host's network is down / the node waits for it to come up.
    void resumeIfHostUp();
    NodeIdentity::Result loadIdentity() const; // --ca/--cert/--key, checked as of now (§2.3)
    bool m_hostDown = false;
    bool m_pausedByHost = false;
    QString m_hostDownWhy;
};

} // namespace re6st::daemon
