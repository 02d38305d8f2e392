"""The page's own words, in the label table every builder uses (DEALROOM_LOCALE picks the language)."""

from __future__ import annotations

from bot.blocks.text import extend_labels, label

KEYS = ("acting_as", "jump_hour", "jump_day", "jump_digest", "home", "channels", "direct_messages", "local_only",
        "not_member", "join_channel", "send", "only_you", "pinned", "edited", "now", "next_digest", "no_messages",
        "no_home", "cancel", "members", "private_channel", "ack_error", "commands_only")

extend_labels({
    "en": {
        "playground.acting_as": "Acting as",
        "playground.jump_hour": "+1 hour",
        "playground.jump_day": "+1 day",
        "playground.jump_digest": "Next digest",
        "playground.home": "Home",
        "playground.channels": "Channels",
        "playground.direct_messages": "Direct messages",
        "playground.local_only": "Everything here runs on this machine; nothing is sent to Slack.",
        "playground.not_member": "You are not a member of this channel.",
        "playground.join_channel": "Join channel",
        "playground.send": "Send",
        "playground.only_you": "Only visible to you",
        "playground.pinned": "Pinned",
        "playground.edited": "edited",
        "playground.now": "Now",
        "playground.next_digest": "next digest",
        "playground.no_messages": "No messages yet. Try /deal new Pilot customer:Acme amount:150k",
        "playground.no_home": "Opening Home…",
        "playground.cancel": "Cancel",
        "playground.members": "members",
        "playground.private_channel": "Private channel: join it to read it.",
        "playground.ack_error": "The bot answered HTTP {status}.",
        "playground.commands_only": "In the playground you type /deal commands (try /deal help).",
    },
    "zh-CN": {
        "playground.acting_as": "当前身份",
        "playground.jump_hour": "+1 小时",
        "playground.jump_day": "+1 天",
        "playground.jump_digest": "下次日报",
        "playground.home": "主页",
        "playground.channels": "频道",
        "playground.direct_messages": "私信",
        "playground.local_only": "一切都在本机运行，不会发送到 Slack。",
        "playground.not_member": "你还不是这个频道的成员。",
        "playground.join_channel": "加入频道",
        "playground.send": "发送",
        "playground.only_you": "仅你可见",
        "playground.pinned": "已置顶",
        "playground.edited": "已编辑",
        "playground.now": "现在",
        "playground.next_digest": "下次日报",
        "playground.no_messages": "还没有消息。试试 /deal new Pilot customer:Acme amount:150k",
        "playground.no_home": "正在打开主页…",
        "playground.cancel": "取消",
        "playground.members": "位成员",
        "playground.private_channel": "私有频道：加入后才能查看。",
        "playground.ack_error": "机器人返回了 HTTP {status}。",
        "playground.commands_only": "在体验环境中请输入 /deal 命令（试试 /deal help）。",
    },
})


def page_labels(locale: str) -> dict[str, str]:
    return {key: label(f"playground.{key}", locale) for key in KEYS}
