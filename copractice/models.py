"""Imports every model so that SQLAlchemy's metadata (and Alembic) see all tables."""
from copractice.attendance.models import Attendance, AttendanceChange, Certificate, Completion  # noqa: F401,E402
from copractice.audit import AuditEntry  # noqa: F401
from copractice.community.directory_models import DirectoryEntry, DirectoryExtra, DirectoryTag  # noqa: F401,E402
from copractice.community.mentoring_models import (  # noqa: F401
                                                   MentorDecline,
                                                   MentorOffer,
                                                   MentorOfferTheme,
                                                   MentorRequest,
                                                   MentorRequestTheme,
)
from copractice.community.message_models import Block, Conversation, Message, Participant, Report  # noqa: F401
from copractice.community.models import Post, Space, SpaceRole, Topic  # noqa: F401
from copractice.community.safety_models import ModerationEntry, PostFlag, PostingStop  # noqa: F401
from copractice.community.search import PostSearch  # noqa: F401,E402
from copractice.community.watch_models import (  # noqa: F401
                                                   CommunityDigest,
                                                   CommunityEmailChoice,
                                                   CommunityNotification,
                                                   SpaceWatch,
                                                   TopicWatch,
)
from copractice.courses.models import Course, CourseAudience, CourseFacilitator, Enrolment, Session  # noqa: F401
from copractice.involvement.claims_models import Claim, ClaimExpense, FinanceBatch, FinanceStaff  # noqa: F401,E402  (issue 17: claims)
from copractice.involvement.models import ExpenseRate, Involvement, Opportunity, PaymentRate  # noqa: F401,E402
from copractice.jobs import JobFailure  # noqa: F401,E402
from copractice.library.models import (  # noqa: F401,E402
                                                   CourseResource,
                                                   Resource,
                                                   ResourceAudience,
                                                   ResourceDownload,  # noqa: F401,E402
                                                   ResourceFile,
                                                   ResourceSearch,
                                                   ResourceSuggestion,
                                                   ResourceTag,
                                                   ResourceTheme,
                                                   SavedResource,
)
from copractice.measurement.assessment_models import AssessmentRating, AssessmentRound  # noqa: F401,E402
from copractice.measurement.equality_models import EqualityMonitoring  # noqa: F401,E402
from copractice.measurement.evaluation_models import (  # noqa: F401,E402  (issue 16 point 3)
                                                   CourseEvaluation,
                                                   EvaluationInvitation,
)
from copractice.measurement.impact_models import (  # noqa: F401,E402
                                                   ImpactContributor,
                                                   ImpactEntry,
                                                   ImpactProject,
                                                   ImpactProjectLead,
)
from copractice.measurement.standards_models import (  # noqa: F401,E402  (issue 16 point 5: co-agreed standards)
                                                   AgreedStandard,
                                                   Measurement,
                                                   MeasurePerson,
                                                   StandardMeasure,
)
from copractice.measurement.surveys_models import (  # noqa: F401,E402  (issue 16 point 1: surveys)
                                                   Survey,
                                                   SurveyAnswer,
                                                   SurveyQuestion,
                                                   SurveyResponse,
                                                   SurveySection,
)
from copractice.meetings.agenda_models import (  # noqa: F401
                                                   AgendaItem,
                                                   AgendaPaper,
                                                   Decision,
                                                   MeetingAction,
                                                   MeetingMinutes,
                                                   SaidWeDid,
)
from copractice.meetings.meeting_models import MeetingAttendance, MeetingRsvp  # noqa: F401
from copractice.meetings.models import Group, GroupMember, Meeting  # noqa: F401
from copractice.meetings.organisation_models import (  # noqa: F401,E402  (issue 15 point 5: the partnership map)
                                                   Organisation,
                                                   OrganisationArea,
                                                   OrganisationExtra,
                                                   OrganisationStatusChange,
                                                   OrganisationTheme,
)
from copractice.members.models import ConsentEvent, Member, ProfileAnswer, ThemeLeadership  # noqa: F401
from copractice.notifications.models import EmailPreference, Notice, OutboxMessage, SessionReminder  # noqa: F401
from copractice.plugin_install import PluginInstall  # noqa: F401,E402
from copractice.plugin_models import PluginSetting, PluginState  # noqa: F401
from copractice.slow_hooks import PluginSlowHook  # noqa: F401,E402
