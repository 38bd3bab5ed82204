/* `lockwatch rules update`: the entry the `rules` subcommand table calls. */
#ifndef LW_CMD_RULES_UPDATE_H
#define LW_CMD_RULES_UPDATE_H

/* argv[0] is "update". Returns an exit status (cli/cmd.h). */
int cmd_rules_update(int argc, char **argv);

#endif
