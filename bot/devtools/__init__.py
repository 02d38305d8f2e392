"""Development tools: the Slack emulator and the playground. The runtime imports them only through
`dealroom playground`."""
