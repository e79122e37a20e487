// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/DoctorFacts.h"
#include "core/DoctorFinding.h"

#include <QList>

namespace re6st::doctor {

// The checks of `re6stctl doctor` (issue 6 §2): facts in, findings out, each finding
// with the exact fix. Pure: tests/unit/tst_doctorchecks.cpp covers every verdict.
class DoctorChecks final
{
public:
    // Every check, in the contract's order (dbus/org.re6st.Doctor1.xml).
    static QList<DoctorFinding> run(const DoctorFacts &facts);

    static DoctorFinding sourceRouting(const DoctorFacts &facts);
    static DoctorFinding ipv6Forwarding(const DoctorFacts &facts);
    static DoctorFinding acceptRa(const DoctorFacts &facts);
    static DoctorFinding networkManager(const DoctorFacts &facts);
    static DoctorFinding babelPort(const DoctorFacts &facts);
    static DoctorFinding openvpnPorts(const DoctorFacts &facts);
    static DoctorFinding openvpn(const DoctorFacts &facts);
    static DoctorFinding babeld(const DoctorFacts &facts);
    static DoctorFinding certificate(const DoctorFacts &facts);
    static DoctorFinding registry(const DoctorFacts &facts);

    // Minimum versions (see the .cpp for why).
    static constexpr int kOpenVpnMajor = 2, kOpenVpnMinor = 5;
    static constexpr int kBabeldMajor = 1, kBabeldMinor = 12;
    static constexpr int kCertificateWarningDays = 30;
    static constexpr int kBabelPort = 6696;
};

} // namespace re6st::doctor
