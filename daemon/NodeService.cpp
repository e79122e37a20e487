// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/NodeService.h"

#include "core/Addressing.h"
#include "daemon/DBusErrors.h"
#include "daemon/DBusService.h"
#include "daemon/NodeDaemon.h"
#include "daemon/NodeEnrollment.h"
#include "daemon/RestartRules.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcService, "re6st.service")

namespace re6st::daemon {

namespace {
using Reply = NodeController::Reply;
constexpr int kPollMs = 2000; // counters (bytes, rtt) move without events
} // namespace

NodeService::NodeService(NodeOptions options, QObject *parent)
    : QObject(parent), m_options(std::move(options))
{
    // Where the certificate files are: next to --cert when given (e.g. @re6stnet.conf
    // read from its directory), else --config-dir. Enrollment writes there too.
    m_configDir = hasCertificateOptions() ? QFileInfo(m_options.cert).absolutePath() : m_options.configDir;
    m_confAtStart = m_options.dbusService && !hasCertificateOptions()
        && QFile::exists(QDir(m_options.configDir).filePath(QStringLiteral("re6stnet.conf")));
    m_enrollment = new NodeEnrollment(m_configDir, this);
    // Enroll must write (and refuse to overwrite) the files this daemon runs with.
    m_enrollment->setFiles(m_options.ca, m_options.cert, m_options.key);
    m_poll.setInterval(kPollMs);
    connect(&m_poll, &QTimer::timeout, this, [this] { if (m_dbus) m_dbus->refresh(); });
    m_soon.setSingleShot(true);
    m_soon.setInterval(0);
    connect(&m_soon, &QTimer::timeout, this, [this] { if (m_dbus) m_dbus->refresh(); });
}

NodeService::~NodeService()
{
    m_node.reset();
}

void NodeService::attach(DBusService *dbus)
{
    m_dbus = dbus;
    if (!m_dbus) return;
    m_dbus->setController(this);
    m_poll.start();
    changed();
}

void NodeService::changed()
{
    if (m_dbus) m_soon.start();
}

NodeStatus NodeService::status() const
{
    NodeStatus s;
    s.version = NodeOptions::versionText();
    s.protocolVersion = RestartRules::kProtocol;
    s.configDirectory = m_configDir;
    s.enrolled = hasCertificateOptions() ? QFile::exists(m_options.cert) : m_enrollment->isEnrolled();
    s.registry = m_options.registry;
    s.neighbourPrefixes = m_options.neighbours;
    if (m_identity) {
        s.prefix = addressing::cnFromBits(m_identity->prefix);
        s.address = m_identity->ip;
        s.subnet = m_identity->subnet;
        s.network = m_identity->networkCidr;
        s.certificateNotAfter = m_identity->cert.notAfter();
    }
    if (m_node) {
        m_node->fillStatus(s);
        return s;
    }
    const QString lastError = m_lastError.isEmpty() && s.enrolled ? confWithoutCertificates() : m_lastError;
    s.state = lastError.isEmpty() ? NodeStatus::State::Stopped : NodeStatus::State::Error;
    s.stateDetail = !lastError.isEmpty() ? lastError
                    : m_pausedByHost       ? m_hostDownWhy
                    : s.enrolled           ? QStringLiteral("the node is stopped; start it with `re6stctl start`")
                                           : QStringLiteral("this node is not enrolled yet; join a network with "
                                                            "`re6stctl enroll URL` or re6st-tray");
    return s;
}

void NodeService::start()
{
    if (const QString why = confWithoutCertificates(); !why.isEmpty() && m_enrollment->isEnrolled()) {
        qCCritical(lcService).noquote() << why;
        changed();
        return;
    }
    if (!hasCertificateOptions()) {
        qCInfo(lcService).noquote() << "not enrolled: waiting for an enrollment over D-Bus (re6stctl enroll, re6st-tray);"
                                    << "files go to" << m_options.configDir;
        changed();
        return;
    }
    if (m_hostDown) { // waits for the main interface (setHostNetworkDown)
        m_pausedByHost = true;
        // Shown meanwhile (status()): who this node is; startNode checks it again.
        if (auto loaded = loadIdentity(); loaded.identity) m_identity = std::move(*loaded.identity);
        changed();
        return;
    }
    QString error;
    const char *name = nullptr;
    if (!startNode(&error, &name)) {
        qCCritical(lcService).noquote() << error;
        if (!m_options.dbusService) {
            Q_EMIT finished(1, false);
            return;
        }
        m_lastError = error;
    }
    changed();
}

QString NodeService::confWithoutCertificates() const
{
    if (!m_confAtStart || hasCertificateOptions()) return {};
    return QStringLiteral("%1 lacks some of the lines `ca ca.crt`, `cert cert.crt` and `key cert.key` "
                          "(as re6st-conf writes them): add them, then start again")
        .arg(QDir(m_options.configDir).filePath(QStringLiteral("re6stnet.conf")));
}

NodeIdentity::Result NodeService::loadIdentity() const
{
    return NodeIdentity::load(m_options.ca, m_options.cert, m_options.key, QDateTime::currentSecsSinceEpoch());
}

// §2.4 step 1 (certificates), then the node itself.
bool NodeService::startNode(QString *error, const char **errorName)
{
    const NodeIdentity::Result loaded = loadIdentity();
    if (!loaded.identity) {
        *error = loaded.error;
        *errorName = QFile::exists(m_options.cert) ? dbuserror::Failed : dbuserror::NotEnrolled;
        return false;
    }
    m_identity = *loaded.identity;
    if (!m_identity->warning.isEmpty()) qCWarning(lcService).noquote() << m_identity->warning;
    m_lastError.clear();
    m_node = std::make_unique<NodeDaemon>(m_options, *m_identity);
    connect(m_node.get(), &NodeDaemon::finished, this, &NodeService::onNodeFinished);
    connect(m_node.get(), &NodeDaemon::statusChanged, this, &NodeService::changed);
    m_node->start();
    return true;
}

void NodeService::onNodeFinished(int exitCode, bool restart)
{
    const QString why = m_node ? m_node->lastError() : QString();
    // Deleted on the next turn: this slot runs from the node's own signal.
    m_node.release()->deleteLater();
    const bool stopped = !m_stopWaiters.isEmpty();
    changed();
    if (m_exiting) {
        answerStopWaiters();
        Q_EMIT finished(m_exitCode, false);
        return;
    }
    if (stopped) { // Stop() over D-Bus: the process stays
        m_lastError.clear();
        answerStopWaiters();
        return;
    }
    if (restart || !m_options.dbusService || exitCode == 0) {
        Q_EMIT finished(exitCode, restart);
        return;
    }
    m_lastError = why.isEmpty() ? QStringLiteral("the node stopped with status %1; see the log").arg(exitCode) : why;
}

// In arrival order: a Start or Stop queued behind the stop runs now (it may stop the
// node it starts again, and so queue the calls after it anew).
void NodeService::answerStopWaiters()
{
    for (const Done &done : std::exchange(m_stopWaiters, {})) done(Reply::ok());
}

void NodeService::shutdown(int exitCode)
{
    m_exiting = true;
    m_exitCode = exitCode;
    if (m_node) m_node->shutdown(exitCode);
    else Q_EMIT finished(exitCode, false);
}

void NodeService::start(Done done)
{
    if (m_exiting)
        return done(Reply::fail(dbuserror::Failed, QStringLiteral("re6stnet is exiting or restarting; retry in a few "
                                                                  "seconds")));
    // Stopping: "already running" would be false, so answer once stopped (audit F8).
    if (stopping()) {
        m_stopWaiters << [this, done](const Reply &) { start(done); };
        return;
    }
    // A node stopping by itself (a failure, a restart): "already running" would be false.
    if (m_node && m_node->isStopping())
        return done(Reply::fail(dbuserror::Failed, QStringLiteral("the node is stopping (%1); start it again once it "
                                                                  "has stopped")
                                                       .arg(m_node->lastError().isEmpty() ? QStringLiteral("restarting")
                                                                                          : m_node->lastError())));
    if (m_node) return done(Reply::ok()); // already running (or starting)
    if (!hasCertificateOptions()) {
        if (!m_enrollment->isEnrolled())
            return done(Reply::fail(dbuserror::NotEnrolled, QStringLiteral("this node is not enrolled; run "
                                                                           "`re6stctl enroll URL` first")));
        if (const QString why = confWithoutCertificates(); !why.isEmpty())
            return done(Reply::fail(dbuserror::Failed, why));
        // Enrolled since we started: re-read re6stnet.conf by restarting ourselves.
        done(Reply::ok());
        Q_EMIT finished(0, true);
        return;
    }
    if (m_hostDown) { // starts when the main interface is up (setHostNetworkDown)
        m_pausedByHost = true;
        changed();
        return done(Reply::ok());
    }
    QString error;
    const char *name = dbuserror::Failed;
    if (!startNode(&error, &name)) {
        m_lastError = error;
        changed();
        return done(Reply::fail(name, error));
    }
    changed();
    if (m_node->isStopping()) // failed at once (e.g. its state directory): the reason, not "ok"
        return done(Reply::fail(dbuserror::Failed, m_node->lastError()));
    done(Reply::ok());
}

void NodeService::stop(Done done)
{
    m_pausedByHost = false; // the user's Stop outlives the main interface coming up
    if (stopping()) { // after the stop in progress and any Start queued behind it
        m_stopWaiters << [this, done](const Reply &) { stop(done); };
        return;
    }
    m_lastError.clear();
    if (!m_node) {
        changed();
        return done(Reply::ok());
    }
    m_stopWaiters << done; // answered once the cleanup of §2.6 is done
    m_node->shutdown(0);
    changed();
}

void NodeService::setHostNetworkDown(bool down, const QString &why)
{
    if (down == m_hostDown)
        return;
    m_hostDown = down;
    m_hostDownWhy = why;
    if (!down) {
        resumeIfHostUp();
    } else if (m_node && !m_exiting && !stopping()) { // a Stop in progress wins: no resume
        qCInfo(lcService).noquote() << why << "- pausing the node";
        m_pausedByHost = true;
        // Through the Stop path (the process stays); resumes if the interface came back.
        m_stopWaiters << [this](const Reply &) { resumeIfHostUp(); };
        m_node->shutdown(0);
    }
    changed();
}

void NodeService::resumeIfHostUp()
{
    if (!m_pausedByHost || m_hostDown || m_node || m_exiting)
        return;
    m_pausedByHost = false;
    qCInfo(lcService) << "main interface up: resuming the node";
    QString error;
    const char *name = nullptr;
    if (!startNode(&error, &name)) {
        qCCritical(lcService).noquote() << error;
        m_lastError = error;
    }
    changed();
}

// Why a call that needs a running node cannot act now (audit M7: "not running"
// was said of a node starting, "still starting" of one stopping).
QString NodeService::notUpWhy() const
{
    if (!m_node) return QStringLiteral("the node is not running; start it first");
    if (m_node->isStopping() || stopping()) return QStringLiteral("the node is stopping");
    return QStringLiteral("the node is still starting (network configuration, OpenVPN servers, babeld); retry in "
                          "a moment");
}

void NodeService::reloadConfig(Done done)
{
    if (!m_node || !m_node->reloadConfig()) return done(Reply::fail(dbuserror::Failed, notUpWhy()));
    done(Reply::ok());
}

void NodeService::killTunnel(const QString &tunnel, Done done)
{
    if (!m_node) return done(Reply::fail(dbuserror::Failed, notUpWhy()));
    switch (m_node->killTunnel(tunnel.trimmed())) {
    case NodeDaemon::KillResult::Killed: changed(); return done(Reply::ok());
    case NodeDaemon::KillResult::NotRunning: return done(Reply::fail(dbuserror::Failed, notUpWhy()));
    case NodeDaemon::KillResult::NotFound: break;
    }
    done(Reply::fail(dbuserror::NotFound, QStringLiteral("no tunnel '%1': name a client interface (re6stnet3) or "
                                                         "the prefix of a connected peer (1/16)")
                                              .arg(tunnel.left(100))));
}

void NodeService::addNeighbour(const QString &prefix, Done done)
{
    if (const QString bad = prefixError(prefix); !bad.isEmpty())
        return done(Reply::fail(dbuserror::InvalidArgument, bad));
    const auto bits = addressing::bitsFromCn(prefix);
    const QString canonical = addressing::cnFromBits(*bits);
    if (!m_options.neighbours.contains(canonical)) m_options.neighbours << canonical;
    if (m_node) m_node->setNeighbours(m_options.neighbours);
    changed();
    done(Reply::ok());
}

void NodeService::removeNeighbour(const QString &prefix, Done done)
{
    if (const QString bad = prefixError(prefix); !bad.isEmpty())
        return done(Reply::fail(dbuserror::InvalidArgument, bad));
    const auto bits = addressing::bitsFromCn(prefix);
    if (!m_options.neighbours.removeOne(addressing::cnFromBits(*bits)))
        return done(Reply::fail(dbuserror::NotFound,
                                QStringLiteral("%1 is not a neighbour").arg(addressing::cnFromBits(*bits))));
    if (m_node) m_node->setNeighbours(m_options.neighbours);
    changed();
    done(Reply::ok());
}

void NodeService::fetchCa(const QString &registry, Done done)
{
    m_enrollment->fetchCa(registry, std::move(done));
}

void NodeService::requestToken(const QString &registry, const QString &fingerprint, const QString &email,
                               Progress progress, Done done)
{
    m_enrollment->requestToken(registry, fingerprint, email, std::move(progress), std::move(done));
}

void NodeService::enroll(const QString &registry, const QString &fingerprint, const QString &token,
                         const QVariantMap &options, Progress progress, Done done)
{
    const bool startAfter = options.value(QStringLiteral("start"), true).toBool();
    m_enrollment->enroll(registry, fingerprint, token, options, progress,
                         [this, done, progress, startAfter](const Reply &r) {
                             // Not started (start=false) and not running: show who we are now
                             // (audit L8: the previous identity stayed until the next Start).
                             if (r.error.isEmpty() && !m_node)
                                 if (auto loaded = loadIdentity(); loaded.identity) m_identity = std::move(*loaded.identity);
                             changed();
                             done(r);
                             if (!r.error.isEmpty() || !startAfter) return;
                             // Start with the new files: stop the node if any, then re-exec so
                             // that re6stnet.conf is read like at boot.
                             progress(QStringLiteral("starting"), QStringLiteral("Starting the node"));
                             if (m_node) {
                                 m_exiting = true;
                                 m_exitCode = 0;
                                 disconnect(m_node.get(), &NodeDaemon::finished, this, nullptr);
                                 connect(m_node.get(), &NodeDaemon::finished, this, [this] {
                                     // Gone first: a queued Stop is then done, a queued Start fails
                                     // (we are restarting); neither waits for a node that ended
                                     // (audit L5: a queued Stop was never answered).
                                     m_node.release()->deleteLater();
                                     answerStopWaiters();
                                     Q_EMIT finished(0, true);
                                 });
                                 m_node->shutdown(0, true);
                             } else {
                                 Q_EMIT finished(0, true);
                             }
                         });
}

} // namespace re6st::daemon
