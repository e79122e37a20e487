// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "CommandLine.h"
#include "ExitCode.h"
#include "core/DoctorFinding.h"

#include <QTextStream>
#include <optional>

namespace re6st::ctl {

// `re6stctl doctor`: asks the daemon (org.re6st.Doctor1.Run on the system bus) or,
// with --local or when no daemon answers, gathers the facts itself
// (platform/DoctorProbe, options from re6stnet.conf, NetworkManager conflicts read
// from org.re6st.HostNetwork1 when the daemon is there) and judges them with the same
// core/DoctorChecks. Exit: 0 without problem, 1 with one (ExitCode::Failed).
class DoctorFlow final
{
public:
    DoctorFlow(const CommandLine &cl, QTextStream &out, QTextStream &err) : m_cl(cl), m_out(out), m_err(err) {}
    Q_DISABLE_COPY_MOVE(DoctorFlow)

    ExitCode run();

    static constexpr int kRunTimeoutMs = 90 * 1000;
    static constexpr const char *kDefaultConfig = "/etc/re6stnet/re6stnet.conf";

private:
    std::optional<QList<doctor::DoctorFinding>> fromDaemon(QString *why);
    std::optional<QList<doctor::DoctorFinding>> local(ExitCode *failure);

    const CommandLine &m_cl;
    QTextStream &m_out;
    QTextStream &m_err;
};

} // namespace re6st::ctl
