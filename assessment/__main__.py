from assessment.cli.main import main

raise SystemExit(main())
