/* The payloads of sample-fault-hostile.c, shared with tests/test-hostile.c
 * so both sides agree byte for byte. */
#pragma once

typedef struct
{
  const char *name;
  const char *path_part;    /* goes into the test path (no '/') */
  const char *marker;       /* a marker value: no '"' or '\\' (escaped form below) */
  const char *payload;      /* message, log, stdout, stderr */
} HostilePayload;

static const HostilePayload hostile_payloads[] = {
  { "quotes", "it's \"quoted\" `back`", "it's `q`",
    "it's \"quoted\" `back` \\ and \\\" escaped" },
  { "sql", "x'); DROP TABLE results; --", "'); DELETE FROM tests; --",
    "'); DROP TABLE results; -- \" OR 1=1; SELECT * FROM logs WHERE ''='" },
  { "shell", "$(touch pwned) ; | & > < * ?", "$(id) `id` ; rm -rf ~",
    "$(touch pwned) `touch pwned2` ; echo hi | cat & > /tmp/x < /etc/passwd * ? ~ !! $HOME" },
  { "pango", "<b>bold</b> &amp; &lt;", "<i>x</i> &amp;",
    "<b>bold</b> <span foreground='red'>red</span> &amp; &lt; &#x41; <unclosed" },
  { "csi", "\x1b[31mred\x1b[0m", "\x1b[2J",
    "\x1b[31mred\x1b[0m \x1b[2J\x1b[H cleared \x1b[?25l hidden cursor" },
  { "osc", "\x1b]0;title\x07", "\x1b]8;;http://x\x07",
    "\x1b]0;pwned title\x07 \x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\ \x07 bell" },
  { "controls", "tab\there\rcr\bbs", "cr\rback",
    "tab\there cr\rover bs\b del\x7f vt\x0b ff\x0c nul-free" },
  { "unicode", "caf\xc3\xa9 \xf0\x9f\xa6\x86 \xe2\x80\xae" "desrever", "\xe2\x80\xae" "rtl",
    "caf\xc3\xa9 \xf0\x9f\xa6\x86 \xe2\x80\xae" "desrever \xe2\x80\x8b zero-width \xc2\x9b" "31m C1 CSI" },
  { "format", "%s%n%x%p", "%n%s",
    "%s%s%s%n%n %x %p %99999d {0} ${x} %%" },
};
