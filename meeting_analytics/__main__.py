from meeting_analytics.cli import main
import sys
sys.exit(main())
