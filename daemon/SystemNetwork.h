// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QList>
#include <QString>
#include <QStringList>

namespace re6st::daemon {

// The node's changes to the host's network (node-protocol.md §2.4 steps 7, 14–16,
// §2.5, §9.4), made with iproute2 and undone in reverse order at exit (§2.6).
// Additions use `replace`, so the leftovers of a killed daemon never make the
// next start fail. Commands run synchronously (they are quick and ordered).
class SystemNetwork final
{
public:
    SystemNetwork() = default;
    ~SystemNetwork(); // undoAll()
    Q_DISABLE_COPY_MOVE(SystemNetwork)

    // Program and leading arguments for every command; default {"ip"}.
    void setCommand(const QStringList &command) { m_command = command; }

    // Runs `ip <args>`; false with a one-line error (its stderr) on failure.
    bool run(const QStringList &args, QString *error = nullptr) const;
    // Runs `apply`; on success remembers `undo` for undoAll().
    bool change(const QStringList &apply, const QStringList &undo, QString *error = nullptr);
    // Undoes every remembered change, newest first; errors are logged and ignored.
    void undoAll();
    int pendingUndos() const { return int(m_undo.size()); }

    // §2.4 step 7: can the kernel install source-specific routes (CONFIG_IPV6_SUBTREES)?
    bool hasIpv6Subtrees() const;

private:
    QStringList m_command{QStringLiteral("ip")};
    QList<QStringList> m_undo;
};

} // namespace re6st::daemon
