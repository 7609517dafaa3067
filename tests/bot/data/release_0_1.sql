-- A database written by release 0.1 (create_all, before migrations): schema and rows.
BEGIN TRANSACTION;
CREATE TABLE answers (
	id INTEGER NOT NULL, 
	user_id BIGINT NOT NULL, 
	chat_id BIGINT NOT NULL, 
	question VARCHAR NOT NULL, 
	answer VARCHAR NOT NULL, 
	in_scope BOOLEAN NOT NULL, 
	score FLOAT NOT NULL, 
	lang VARCHAR(8) NOT NULL, 
	citations_json VARCHAR NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE
);
INSERT INTO "answers" VALUES(1,5000000001,5000000001,'集群有效期多久？','集群有效期为三年。',1,0.91,'zh','[{"doc": "measures-2022", "ref": "第十五条", "item": null, "label": "《暂行办法》第十五条"}, {"doc": "measures-2022", "ref": "第六条", "item": "（四）", "label": "《暂行办法》第六条（四）"}]','2026-03-01 01:00:00.000000');
INSERT INTO "answers" VALUES(2,5000000002,-100123,'weather?','Outside scope',0,0.1,'en','[]','2026-03-01 01:00:00.000000');
CREATE TABLE assessment_answers (
	id INTEGER NOT NULL, 
	assessment_id INTEGER NOT NULL, 
	indicator VARCHAR(64) NOT NULL, 
	value_json TEXT NOT NULL, 
	raw_text TEXT, 
	skipped BOOLEAN NOT NULL, 
	answered_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_assessment_answer_indicator UNIQUE (assessment_id, indicator), 
	FOREIGN KEY(assessment_id) REFERENCES assessments (id) ON DELETE CASCADE
);
INSERT INTO "assessment_answers" VALUES(1,1,'no_major_incidents','true',NULL,0,'2026-03-01 01:00:00.000000');
INSERT INTO "assessment_answers" VALUES(2,1,'output_value_yi','[41.5, 45, 50]','41.5、45、50亿',0,'2026-03-01 01:00:00.000000');
INSERT INTO "assessment_answers" VALUES(3,1,'area_km2','null','不确定',1,'2026-03-01 01:00:00.000000');
INSERT INTO "assessment_answers" VALUES(4,1,'sme_output_share_pct','72','72',0,'2026-03-01 01:00:00.000000');
INSERT INTO "assessment_answers" VALUES(5,2,'output_growth_pct','3.5','3.5%',0,'2026-03-01 01:00:00.000000');
CREATE TABLE assessments (
	id INTEGER NOT NULL, 
	user_id BIGINT NOT NULL, 
	chat_id BIGINT NOT NULL, 
	edition VARCHAR(64) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	step INTEGER NOT NULL, 
	editing BOOLEAN NOT NULL, 
	lang VARCHAR(8) NOT NULL, 
	eligible BOOLEAN, 
	result_json TEXT, 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	completed_at DATETIME, 
	PRIMARY KEY (id), 
	FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE
);
INSERT INTO "assessments" VALUES(1,5000000001,5000000001,'national-2022','done',0,0,'zh',NULL,'{"edition": "national-2022", "eligible": null, "gates": [{"id": "no_major_incidents", "status": "pass"}], "dimensions": []}','2026-03-01 01:00:00.000000','2026-03-01 01:00:00.000000','2026-03-01 01:00:00.000000');
INSERT INTO "assessments" VALUES(2,77,77,'yunnan-2023','draft',0,0,'en',NULL,NULL,'2026-03-01 01:00:00.000000','2026-03-01 01:00:00.000000',NULL);
CREATE TABLE feedback (
	id INTEGER NOT NULL, 
	user_id BIGINT NOT NULL, 
	answer_id INTEGER NOT NULL, 
	vote INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_feedback_user_answer UNIQUE (user_id, answer_id), 
	FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE, 
	FOREIGN KEY(answer_id) REFERENCES answers (id) ON DELETE CASCADE
);
INSERT INTO "feedback" VALUES(1,5000000001,1,1,'2026-03-01 01:00:00.000000');
INSERT INTO "feedback" VALUES(2,5000000002,1,-1,'2026-03-01 01:00:00.000000');
INSERT INTO "feedback" VALUES(3,5000000002,2,1,'2026-03-01 01:00:00.000000');
CREATE TABLE reminder_custom_deadline (
	id INTEGER NOT NULL, 
	title VARCHAR(200) NOT NULL, 
	title_en VARCHAR(200), 
	due DATE NOT NULL, 
	active BOOLEAN NOT NULL, 
	created_by BIGINT, 
	created_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "reminder_custom_deadline" VALUES(1,'2026年省级推荐截止','Provincial deadline','2026-06-30',1,77,'2026-03-01 01:00:00.000000');
CREATE TABLE reminder_delivery (
	id INTEGER NOT NULL, 
	subscription_id INTEGER NOT NULL, 
	deadline_key VARCHAR(120) NOT NULL, 
	lead_days INTEGER NOT NULL, 
	due DATE NOT NULL, 
	kind VARCHAR(32) NOT NULL, 
	title VARCHAR(300) NOT NULL, 
	chat_id BIGINT NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	attempts INTEGER NOT NULL, 
	not_before DATETIME, 
	claim_token VARCHAR(40), 
	lease_until DATETIME, 
	sent_at DATETIME, 
	message_id BIGINT, 
	last_error VARCHAR(500), 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_reminder_delivery_once UNIQUE (subscription_id, deadline_key, lead_days), 
	FOREIGN KEY(subscription_id) REFERENCES reminder_subscription (id) ON DELETE CASCADE
);
INSERT INTO "reminder_delivery" VALUES(1,1,'annual_report:2026-04-30',30,'2026-04-30','annual_report','报送2025年度工作情况',5000000001,'sent',1,NULL,'tok',NULL,'2026-03-01 01:00:00.000000',4242,NULL,'2026-03-01 01:00:00.000000','2026-03-01 01:00:00.000000');
INSERT INTO "reminder_delivery" VALUES(2,1,'annual_report:2026-04-30',7,'2026-04-30','annual_report','报送2025年度工作情况',5000000001,'pending',0,NULL,NULL,NULL,NULL,NULL,NULL,'2026-03-24 01:00:00.000000','2026-03-24 01:00:00.000000');
CREATE TABLE reminder_subscription (
	id INTEGER NOT NULL, 
	user_id BIGINT NOT NULL, 
	chat_id BIGINT NOT NULL, 
	cluster_name VARCHAR(100) NOT NULL, 
	batch_year INTEGER, 
	kinds VARCHAR(200) NOT NULL, 
	lead_days VARCHAR(100) NOT NULL, 
	lang VARCHAR(8) NOT NULL, 
	active BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	cancelled_at DATETIME, 
	deactivated_reason VARCHAR(100), 
	PRIMARY KEY (id)
);
INSERT INTO "reminder_subscription" VALUES(1,5000000001,5000000001,'宁德锂电集群',2022,'annual_report,renewal_review,custom','30,7,1','zh',1,'2026-03-01 01:00:00.000000',NULL,NULL);
INSERT INTO "reminder_subscription" VALUES(2,77,-100777,'Tea <cluster> & co',NULL,'custom','0','en',0,'2026-03-01 01:00:00.000000','2026-03-01 01:00:00.000000','cancelled');
CREATE TABLE users (
	id BIGINT NOT NULL, 
	first_name VARCHAR(256) NOT NULL, 
	username VARCHAR(64), 
	language_code VARCHAR(16), 
	lang_override VARCHAR(8), 
	is_active BOOLEAN NOT NULL, 
	created_at DATETIME NOT NULL, 
	last_seen_at DATETIME NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "users" VALUES(5000000001,'王经理',NULL,'zh-hans',NULL,1,'2026-03-01 01:00:00.000000','2026-03-01 01:00:00.000000');
INSERT INTO "users" VALUES(5000000002,'Li',NULL,'en',NULL,1,'2026-03-01 01:00:00.000000','2026-03-01 01:00:00.000000');
INSERT INTO "users" VALUES(77,'张科长',NULL,NULL,'en',1,'2026-03-01 01:00:00.000000','2026-03-01 01:00:00.000000');
CREATE INDEX ix_reminder_subscription_chat_active ON reminder_subscription (chat_id, active);
CREATE INDEX ix_reminder_subscription_active ON reminder_subscription (active);
CREATE INDEX ix_reminder_subscription_user_id ON reminder_subscription (user_id);
CREATE INDEX ix_reminder_custom_deadline_due ON reminder_custom_deadline (due);
CREATE INDEX ix_assessments_user_id ON assessments (user_id);
CREATE INDEX ix_assessments_user_status ON assessments (user_id, status);
CREATE INDEX ix_reminder_delivery_claim ON reminder_delivery (claim_token);
CREATE INDEX ix_reminder_delivery_status ON reminder_delivery (status, not_before);
CREATE INDEX ix_answers_user_id ON answers (user_id);
CREATE INDEX ix_assessment_answers_assessment_id ON assessment_answers (assessment_id);
CREATE INDEX ix_feedback_answer_id ON feedback (answer_id);
CREATE INDEX ix_feedback_user_id ON feedback (user_id);
COMMIT;
