// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QDBusConnection>
#include <QHash>
#include <QObject>
#include <QString>
#include <functional>

namespace re6st::daemon {

// Asks polkit whether the *caller* of a D-Bus method may perform an action
// (org.freedesktop.PolicyKit1.Authority.CheckAuthorization on the same bus, subject
// kind "system-bus-name" with the caller's unique name; flag AllowUserInteraction when
// the caller's message carries ALLOW_INTERACTIVE_AUTHORIZATION, as the D-Bus
// specification asks of services).
// Asynchronous: the callback runs once polkit has answered (possibly after the user
// authenticated through an agent), or with Unavailable when polkit does not answer.
// The daemon refuses every mutating call unless the verdict is Authorized.
class PolkitAuthorizer final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(PolkitAuthorizer)
public:
    enum class Verdict {
        Authorized,    // is_authorized = true
        NotAuthorized, // polkit said no (including "challenge" left unanswered)
        Unavailable    // polkit is not on the bus, timed out, or answered with an error
    };
    struct Result
    {
        Verdict verdict = Verdict::Unavailable;
        QString message; // English, for the D-Bus error reply / logs; empty when Authorized
    };
    using Callback = std::function<void(const Result &)>;

    // Action ids of polkit/org.re6st.policy.
    static constexpr const char *kActionStartStop = "org.re6st.node.start-stop";
    static constexpr const char *kActionConfigure = "org.re6st.node.configure";
    static constexpr const char *kActionManageTunnels = "org.re6st.node.manage-tunnels";
    static constexpr const char *kActionEnroll = "org.re6st.enroll";
    static constexpr const char *kActionFixNetwork = "org.re6st.node.fix-network"; // org.re6st.HostNetwork1

    explicit PolkitAuthorizer(const QDBusConnection &bus, QObject *parent = nullptr);
    ~PolkitAuthorizer() override;

    // `caller`: the unique bus name of the method call's sender (QDBusMessage::service()).
    // `allowInteraction`: may polkit ask the caller for a password through an agent
    // (QDBusMessage::isInteractiveAuthorizationAllowed() of the call).
    // `timeoutMs` bounds the whole check, interactive authentication included.
    // The callback always runs later from the event loop (never inside check()), exactly
    // once; checks still pending when the authorizer is destroyed are dropped uncalled.
    // At most maxPendingPerCaller() checks per caller name and maxPendingTotal() in all may
    // wait for polkit at once: beyond, the check is refused at once (NotAuthorized, "too many
    // authorization requests pending") without asking polkit. Otherwise a caller whose polkit
    // agent never answers could fill the bus's pending-reply limit of this connection (128 by
    // default) and make every later check fail, an administrator's too.
    void check(const QString &caller, const QString &actionId, bool allowInteraction, Callback callback,
               int timeoutMs = 5 * 60 * 1000);

    static constexpr int kMaxPendingPerCaller = 2;
    static constexpr int kMaxPendingTotal = 32;
    // For tests; values < 1 are taken as 1.
    void setPendingLimits(int perCaller, int total);
    int maxPendingPerCaller() const { return m_maxPerCaller; }
    int maxPendingTotal() const { return m_maxTotal; }
    int pendingChecks() const { return m_pendingTotal; }

private:
    // Interprets CheckAuthorization's reply (or error) for `actionId`.
    static Result verdictOf(const QDBusMessage &reply, const QString &actionId, bool allowInteraction,
                            int timeoutMs);
    void finish(const Callback &callback, const Result &result);
    void cancel(const QString &cancellationId);

    QDBusConnection m_bus;
    QString m_cancellationPrefix; // unique per authorizer: polkit wants ids unique per caller
    quint64 m_nextCheck = 0;
    int m_maxPerCaller = kMaxPendingPerCaller;
    int m_maxTotal = kMaxPendingTotal;
    int m_pendingTotal = 0;
    QHash<QString, int> m_pendingByCaller; // checks waiting for polkit, by caller unique name
};

} // namespace re6st::daemon
