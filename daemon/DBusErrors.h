// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once

// D-Bus error names of the contract (header comments of dbus/org.re6st.Node1.xml and
// dbus/org.re6st.Enrollment1.xml). Clients (re6stctl, re6st-tray) match on these.
namespace re6st::daemon::dbuserror {
inline constexpr const char *Unavailable = "org.re6st.Error.Unavailable";
inline constexpr const char *BabelUnavailable = "org.re6st.Error.BabelUnavailable";
inline constexpr const char *NotAuthorized = "org.re6st.Error.NotAuthorized";
inline constexpr const char *InvalidArgument = "org.re6st.Error.InvalidArgument";
inline constexpr const char *NotFound = "org.re6st.Error.NotFound";
inline constexpr const char *NotEnrolled = "org.re6st.Error.NotEnrolled";
inline constexpr const char *Failed = "org.re6st.Error.Failed";
inline constexpr const char *RegistryUnreachable = "org.re6st.Error.RegistryUnreachable";
inline constexpr const char *FingerprintMismatch = "org.re6st.Error.FingerprintMismatch";
inline constexpr const char *TokenRejected = "org.re6st.Error.TokenRejected";
inline constexpr const char *AlreadyEnrolled = "org.re6st.Error.AlreadyEnrolled";
// Busy: another enrollment is running, or FetchCa is over its cap (4 at once, 1 per
// caller). The message says which: clients show it rather than guess.
inline constexpr const char *Busy = "org.re6st.Error.Busy";
} // namespace re6st::daemon::dbuserror
