// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Text helpers shared by the readers of core/FirewallRules (nft JSON, iptables-save) and
// its fix commands. Internal to core/: not a public API.
#include "core/FirewallRules.h"

namespace re6st::doctor::firewall {

// The parsed model's names, for the readers and the evaluator.
using Field = FirewallRules::Field;
using Value = FirewallRules::Value;
using Match = FirewallRules::Match;
using Rule = FirewallRules::Rule;
using Chain = FirewallRules::Chain;
using Action = FirewallRules::Action;

// A shell word: `a` as is when it is safe, else single-quoted.
QString quoteArg(const QString &a);
// "fe80::/10", "10.0.0.1" (a /32 or /128) as a Prefix; anything else as Text.
FirewallRules::Value addressValue(const QString &text);

} // namespace re6st::doctor::firewall
