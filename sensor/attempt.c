/* Names of attempt outcomes, as they appear in reports and the journal. */
#include "config.h"

#include "sensor/attempt.h"

const char *outcome_name(enum outcome o)
{
	/* a switch, so -Wswitch names any outcome added without a name */
	switch (o) {
	case OUTCOME_UNANSWERED:
		return "unanswered";
	case OUTCOME_REFUSED:
		return "refused";
	case OUTCOME_REJECTED:
		return "rejected";
	case OUTCOME_ACCEPTED:
		return "accepted";
	case OUTCOME_ESTABLISHED:
		return "established";
	case OUTCOME_SMTP:
		return "smtp";
	case OUTCOME_COUNT:
		break;
	}
	return "unknown";
}
