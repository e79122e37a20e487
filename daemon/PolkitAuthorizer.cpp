// SPDX-License-Identifier: GPL-2.0-or-later
#include "PolkitAuthorizer.h"

#include <QDBusArgument>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusVariant>
#include <QLoggingCategory>
#include <QMap>
#include <QMetaObject>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcPolkit, "re6st.polkit")

// polkit's D-Bus API (polkit(8), "org.freedesktop.PolicyKit1.Authority"):
//   CheckAuthorization(IN (sa{sv}) subject, IN s action_id, IN a{ss} details,
//                      IN u flags, IN s cancellation_id, OUT (bba{ss}) result)
//   result = (is_authorized, is_challenge, details)
//   CancelCheckAuthorization(IN s cancellation_id)
namespace re6st::daemon {

namespace {
constexpr auto kService = "org.freedesktop.PolicyKit1";
constexpr auto kPath = "/org/freedesktop/PolicyKit1/Authority";
constexpr auto kInterface = "org.freedesktop.PolicyKit1.Authority";
constexpr quint32 kNoInteraction = 0;
constexpr quint32 kAllowUserInteraction = 1;
constexpr auto kRulesHint = "grant it with a polkit .rules file "
                            "(see 50-re6st-example.rules shipped with re6st-qt)";

QString seconds(int ms)
{
    return QString::number(double(ms) / 1000.0, 'g', 3);
}
} // namespace

PolkitAuthorizer::PolkitAuthorizer(const QDBusConnection &bus, QObject *parent)
    : QObject(parent), m_bus(bus),
      m_cancellationPrefix(QStringLiteral("re6st-%1-%2-")
                               .arg(::getpid())
                               .arg(quintptr(this), 0, 16))
{
}

PolkitAuthorizer::~PolkitAuthorizer() = default;

void PolkitAuthorizer::setPendingLimits(int perCaller, int total)
{
    m_maxPerCaller = qMax(1, perCaller);
    m_maxTotal = qMax(1, total);
}

void PolkitAuthorizer::finish(const Callback &callback, const Result &result)
{
    // Never call back from inside check(): callers reply to D-Bus from the callback
    // and must not be re-entered before check() has returned.
    QMetaObject::invokeMethod(this, [callback, result] { callback(result); }, Qt::QueuedConnection);
}

void PolkitAuthorizer::check(const QString &caller, const QString &actionId, bool allowInteraction, Callback callback,
                             int timeoutMs)
{
    if (!callback)
        return;
    if (!caller.startsWith(QLatin1Char(':'))) {
        // Peer-to-peer connections and forged/empty senders have no unique bus name:
        // polkit could only check a name, so there is nobody to authorize.
        qCWarning(lcPolkit).noquote() << "refusing" << actionId << "to a caller without a unique bus name"
                                      << (caller.isEmpty() ? QStringLiteral("(none)") : caller);
        finish(callback, {Verdict::NotAuthorized,
                          QStringLiteral("Not authorized: the request for %1 did not come through the "
                                         "system bus with a caller name, so polkit cannot check it. "
                                         "Call the daemon through the system bus.")
                              .arg(actionId)});
        return;
    }
    if (!m_bus.isConnected()) {
        qCWarning(lcPolkit).noquote() << "cannot check" << actionId << "for" << caller
                                      << ": not connected to the bus";
        finish(callback, {Verdict::Unavailable,
                          QStringLiteral("polkit cannot be asked about %1: the daemon is not connected "
                                         "to the system bus. The action is refused; restart re6stnet.")
                              .arg(actionId)});
        return;
    }
    if (timeoutMs <= 0)
        timeoutMs = 1;
    const int callerPending = m_pendingByCaller.value(caller);
    if (callerPending >= m_maxPerCaller || m_pendingTotal >= m_maxTotal) {
        const bool mine = callerPending >= m_maxPerCaller;
        qCWarning(lcPolkit).noquote() << "refusing" << actionId << "to" << caller << ": too many polkit checks pending ("
                                      << callerPending << "for this caller," << m_pendingTotal << "in all)";
        finish(callback, {Verdict::NotAuthorized,
                          QStringLiteral("Not authorized now: too many authorization requests pending (%1); "
                                         "retry later. Answer or cancel the authentication prompts already "
                                         "open (a pending check ends after %2 s at most).")
                              .arg(mine ? QStringLiteral("%1 from this caller").arg(callerPending)
                                        : QStringLiteral("%1 in all").arg(m_pendingTotal),
                                   seconds(timeoutMs))});
        return;
    }

    // Subject "system-bus-name" {"name": caller}: polkit resolves the *caller's* uid and
    // process itself (never this daemon's, which is root and would always pass).
    QDBusArgument subject;
    subject.beginStructure();
    subject << QStringLiteral("system-bus-name");
    subject.beginMap(QMetaType::fromType<QString>(), QMetaType::fromType<QDBusVariant>());
    subject.beginMapEntry();
    subject << QStringLiteral("name") << QDBusVariant(caller);
    subject.endMapEntry();
    subject.endMap();
    subject.endStructure();
    QDBusArgument details;
    details.beginMap(QMetaType::fromType<QString>(), QMetaType::fromType<QString>());
    details.endMap();

    const QString cancellationId = m_cancellationPrefix + QString::number(++m_nextCheck);
    QDBusMessage call = QDBusMessage::createMethodCall(QLatin1String(kService), QLatin1String(kPath),
                                                       QLatin1String(kInterface),
                                                       QStringLiteral("CheckAuthorization"));
    call << QVariant::fromValue(subject) << actionId << QVariant::fromValue(details)
         << QVariant::fromValue(allowInteraction ? kAllowUserInteraction : kNoInteraction) << cancellationId;
    qCDebug(lcPolkit).noquote() << "checking" << actionId << "for" << caller << "(" << cancellationId << ")";

    auto *watcher = new QDBusPendingCallWatcher(m_bus.asyncCall(call, timeoutMs), this);
    ++m_pendingTotal;
    ++m_pendingByCaller[caller];
    connect(watcher, &QDBusPendingCallWatcher::finished, this,
            [this, watcher, caller, actionId, cancellationId, callback, allowInteraction, timeoutMs] {
                watcher->deleteLater();
                --m_pendingTotal;
                if (auto it = m_pendingByCaller.find(caller); it != m_pendingByCaller.end() && --*it <= 0)
                    m_pendingByCaller.erase(it);
                const QDBusMessage reply = watcher->reply();
                const Result result = verdictOf(reply, actionId, allowInteraction, timeoutMs);
                switch (result.verdict) {
                case Verdict::Authorized:
                    qCDebug(lcPolkit).noquote() << actionId << "authorized for" << caller;
                    break;
                case Verdict::NotAuthorized:
                    qCInfo(lcPolkit).noquote() << actionId << "not authorized for" << caller;
                    break;
                case Verdict::Unavailable:
                    qCWarning(lcPolkit).noquote() << actionId << "refused to" << caller << ":" << result.message;
                    // A timed-out check may still show an authentication dialog: close it.
                    if (reply.type() == QDBusMessage::ErrorMessage
                        && reply.errorName() == QLatin1String("org.freedesktop.DBus.Error.NoReply"))
                        cancel(cancellationId);
                    break;
                }
                callback(result);
            });
}

void PolkitAuthorizer::cancel(const QString &cancellationId)
{
    QDBusMessage call = QDBusMessage::createMethodCall(QLatin1String(kService), QLatin1String(kPath),
                                                       QLatin1String(kInterface),
                                                       QStringLiteral("CancelCheckAuthorization"));
    call << cancellationId;
    // Fire and forget: nothing to do if polkit has already forgotten the check.
    call.setAutoStartService(false);
    m_bus.asyncCall(call, 10000);
}

PolkitAuthorizer::Result PolkitAuthorizer::verdictOf(const QDBusMessage &reply, const QString &actionId,
                                                     bool allowInteraction, int timeoutMs)
{
    if (reply.type() == QDBusMessage::ErrorMessage) {
        const QString name = reply.errorName();
        if (name == QLatin1String("org.freedesktop.DBus.Error.ServiceUnknown")
            || name == QLatin1String("org.freedesktop.DBus.Error.NameHasNoOwner"))
            return {Verdict::Unavailable,
                    QStringLiteral("polkit is not available (org.freedesktop.PolicyKit1 is not on the "
                                   "system bus), so %1 is refused. Install and start polkit (Debian "
                                   "package polkitd; systemctl start polkit), then retry.")
                        .arg(actionId)};
        if (name == QLatin1String("org.freedesktop.DBus.Error.NoReply")
            || name == QLatin1String("org.freedesktop.DBus.Error.Timeout"))
            return {Verdict::Unavailable,
                    QStringLiteral("polkit did not answer about %1 within %2 s (nobody authenticated, "
                                   "or polkitd is stuck), so the action is refused. Retry and answer "
                                   "the authentication prompt; if it happens again, check polkitd "
                                   "(systemctl status polkit).")
                        .arg(actionId, seconds(timeoutMs))};
        if (name == QLatin1String("org.freedesktop.PolicyKit1.Error.Cancelled"))
            return {Verdict::Unavailable,
                    QStringLiteral("The polkit check for %1 was cancelled, so the action is refused; "
                                   "retry.")
                        .arg(actionId)};
        return {Verdict::Unavailable,
                QStringLiteral("polkit could not check %1 (%2: %3), so the action is refused. Retry; "
                               "if it persists, look at polkitd's log (journalctl -u polkit).")
                    .arg(actionId, name, reply.errorMessage())};
    }
    if (reply.type() != QDBusMessage::ReplyMessage)
        return {Verdict::Unavailable,
                QStringLiteral("polkit gave no answer about %1, so the action is refused; retry.").arg(actionId)};

    const QList<QVariant> args = reply.arguments();
    const QString malformed =
        QStringLiteral("polkit answered the check for %1 with an unexpected reply (signature \"%2\", "
                       "expected \"(bba{ss})\"), so the action is refused. Check the polkit "
                       "installation (Debian package polkitd).")
            .arg(actionId, reply.signature());
    if (args.size() != 1 || args.front().metaType() != QMetaType::fromType<QDBusArgument>())
        return {Verdict::Unavailable, malformed};
    const auto result = args.front().value<QDBusArgument>();
    if (result.currentSignature() != QLatin1String("(bba{ss})"))
        return {Verdict::Unavailable, malformed};

    bool authorized = false;
    bool challenge = false;
    QMap<QString, QString> details;
    result.beginStructure();
    result >> authorized >> challenge;
    result.beginMap();
    while (!result.atEnd()) {
        QString key, value;
        result.beginMapEntry();
        result >> key >> value;
        result.endMapEntry();
        details.insert(key, value);
    }
    result.endMap();
    result.endStructure();

    if (authorized)
        return {Verdict::Authorized, {}};
    if (details.value(QStringLiteral("polkit.dismissed")) == QLatin1String("true"))
        return {Verdict::NotAuthorized,
                QStringLiteral("Not authorized: the authentication dialog for %1 was dismissed. Retry "
                               "and enter the password it asks for.")
                    .arg(actionId)};
    if (challenge && !allowInteraction)
        return {Verdict::NotAuthorized,
                QStringLiteral("Not authorized: %1 needs authentication, and the call did not allow "
                               "polkit to ask for a password (re6stctl --no-ask-password, or a D-Bus "
                               "call without ALLOW_INTERACTIVE_AUTHORIZATION). Retry allowing it, run "
                               "the command as root, or let an administrator %2.")
                    .arg(actionId, QLatin1String(kRulesHint))};
    if (challenge)
        return {Verdict::NotAuthorized,
                QStringLiteral("Not authorized: %1 needs authentication, but no polkit authentication "
                               "agent could ask you for a password. Retry from a desktop session "
                               "(it runs a polkit agent) or under pkttyagent, run the command as "
                               "root, or let an administrator %2.")
                    .arg(actionId, QLatin1String(kRulesHint))};
    return {Verdict::NotAuthorized,
            QStringLiteral("Not authorized: polkit refuses %1 to you. Ask an administrator to %2.")
                .arg(actionId, QLatin1String(kRulesHint))};
}

} // namespace re6st::daemon
