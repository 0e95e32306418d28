/**
 * The fastapi target end to end: every generated project passes its own quality gate (ruff, ruff format, mypy --strict,
 * pytest on a real database) in the sandbox, generation is byte-identical, hostile strings in the model stay data, a
 * second gate installs nothing, and the generated tests have teeth (each mutant of a handler, schema, model or
 * migration makes a named generated test fail).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  ensurePythonEnvironment,
  gatePython,
  pythonPipRuns,
  runInPythonSandbox,
  runPythonTool,
} from '../../src/backendgen/gate/python.ts';
import { planModel } from '../../src/backendgen/plan/index.ts';
import type { GateReport, GeneratedFile, Plan } from '../../src/backendgen/targets/fastapi/contract.ts';
import { fastapiTarget, generateFastapi } from '../../src/backendgen/targets/fastapi/index.ts';
import { validateModel } from '../../src/backendgen/validate/index.ts';
import { sandboxAvailable } from '../../src/platform/sandbox/index.ts';
import { hasPostgres, itWhen, POSTGRES_MISSING, postgresUrl } from '../support/services.ts';

/** A blog with every column type, each relationship kind (self-referential too) and hostile strings. */
const BLOG: Plan = {
  name: 'blog',
  description: "A small \"blog\"\nwith '''hostile''' \"\"\" text \\ and \u2028 \u00fcn\u00efcode",
  buildOrder: ['users', 'profiles', 'categories', 'posts', 'tags', 'post_tags'],
  files: [],
  warnings: [],
  tables: [
    {
      name: 'users',
      className: 'User',
      singular: 'user',
      isJoinTable: false,
      description: 'People who write""" ; DROP TABLE users; --',
      columns: [
        {
          name: 'id',
          type: 'integer',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: true,
        },
        {
          name: 'email',
          type: 'string',
          length: 255,
          nullable: false,
          unique: true,
          index: false,
          primaryKey: false,
          check: {
            pattern: '^[^@]+@[^@]+$',
            minLength: 3,
            maxLength: 255,
          },
          description: "__import__('os').system('x')\n# hi",
        },
        {
          name: 'nickname',
          type: 'string',
          length: 40,
          nullable: true,
          unique: false,
          index: false,
          primaryKey: false,
          check: {
            pattern: '^[a-z\'"\\\\]+$',
            maxLength: 30,
          },
          description: '"""); import os; os.system(\'rm -rf /\') #\r\n*/ <!-- \\',
        },
        {
          name: 'age',
          type: 'integer',
          nullable: true,
          unique: false,
          index: false,
          primaryKey: false,
          check: {
            min: 0,
            max: 150,
          },
        },
        {
          name: 'balance',
          type: 'decimal',
          precision: 10,
          scale: 2,
          nullable: false,
          unique: false,
          index: false,
          primaryKey: false,
          check: {
            min: 0,
          },
          default: 0,
        },
        {
          name: 'role',
          type: 'enum',
          values: ['reader', 'writer'],
          default: 'reader',
          nullable: false,
          unique: false,
          index: true,
          primaryKey: false,
        },
        {
          name: 'active',
          type: 'boolean',
          default: true,
          nullable: false,
          unique: false,
          index: false,
          primaryKey: false,
        },
        {
          name: 'born',
          type: 'date',
          nullable: true,
          unique: false,
          index: false,
          primaryKey: false,
        },
        {
          name: 'created_at',
          type: 'datetime',
          default: 'now',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: false,
        },
        {
          name: 'settings',
          type: 'json',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: false,
          default: {
            theme: 'dark"\'\n',
            n: [1, 2],
          },
        },
        {
          name: 'bio',
          type: 'text',
          nullable: true,
          unique: false,
          index: false,
          primaryKey: false,
          default: '"""\\n\'; DROP',
        },
      ],
      primaryKey: ['id'],
      uniques: [['email']],
      indexes: [
        {
          name: 'ix_users_role',
          columns: ['role'],
        },
      ],
      relations: [
        {
          field: 'posts',
          cardinality: 'many',
          target: 'posts',
          via: {
            kind: 'fk-there',
            column: 'author_id',
          },
          inverse: 'author',
          relationshipIndex: 0,
        },
        {
          field: 'profile',
          cardinality: 'one',
          target: 'profiles',
          via: {
            kind: 'fk-there',
            column: 'user_id',
          },
          inverse: 'user',
          relationshipIndex: 1,
        },
      ],
    },
    {
      name: 'profiles',
      className: 'Profile',
      singular: 'profile',
      isJoinTable: false,
      columns: [
        {
          name: 'id',
          type: 'uuid',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: true,
        },
        {
          name: 'website',
          type: 'string',
          length: 200,
          nullable: true,
          unique: false,
          index: false,
          primaryKey: false,
        },
        {
          name: 'user_id',
          type: 'integer',
          nullable: false,
          unique: true,
          index: false,
          primaryKey: false,
          references: {
            table: 'users',
            column: 'id',
            onDelete: 'cascade',
          },
        },
      ],
      primaryKey: ['id'],
      uniques: [['user_id']],
      indexes: [],
      relations: [
        {
          field: 'user',
          cardinality: 'one',
          target: 'users',
          via: {
            kind: 'fk-here',
            column: 'user_id',
          },
          inverse: 'profile',
          relationshipIndex: 1,
        },
      ],
    },
    {
      name: 'categories',
      className: 'Category',
      singular: 'category',
      isJoinTable: false,
      columns: [
        {
          name: 'id',
          type: 'integer',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: true,
        },
        {
          name: 'name',
          type: 'string',
          length: 80,
          nullable: false,
          unique: true,
          index: false,
          primaryKey: false,
        },
        {
          name: 'parent_id',
          type: 'integer',
          nullable: true,
          unique: false,
          index: true,
          primaryKey: false,
          references: {
            table: 'categories',
            column: 'id',
            onDelete: 'set-null',
          },
        },
      ],
      primaryKey: ['id'],
      uniques: [['name']],
      indexes: [
        {
          name: 'ix_categories_parent_id',
          columns: ['parent_id'],
        },
      ],
      relations: [
        {
          field: 'parent',
          cardinality: 'one',
          target: 'categories',
          via: {
            kind: 'fk-here',
            column: 'parent_id',
          },
          inverse: 'children',
          relationshipIndex: 3,
        },
        {
          field: 'children',
          cardinality: 'many',
          target: 'categories',
          via: {
            kind: 'fk-there',
            column: 'parent_id',
          },
          inverse: 'parent',
          relationshipIndex: 3,
        },
        {
          field: 'posts',
          cardinality: 'many',
          target: 'posts',
          via: {
            kind: 'fk-there',
            column: 'category_id',
          },
          inverse: 'category',
          relationshipIndex: 4,
        },
      ],
    },
    {
      name: 'posts',
      className: 'Post',
      singular: 'post',
      isJoinTable: false,
      columns: [
        {
          name: 'id',
          type: 'integer',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: true,
        },
        {
          name: 'title',
          type: 'string',
          length: 200,
          nullable: false,
          unique: false,
          index: false,
          primaryKey: false,
          check: {
            minLength: 1,
          },
        },
        {
          name: 'status',
          type: 'enum',
          values: ['draft', 'published'],
          default: 'draft',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: false,
        },
        {
          name: 'views',
          type: 'bigint',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: false,
          default: 0,
        },
        {
          name: 'author_id',
          type: 'integer',
          nullable: false,
          unique: false,
          index: true,
          primaryKey: false,
          references: {
            table: 'users',
            column: 'id',
            onDelete: 'cascade',
          },
        },
        {
          name: 'category_id',
          type: 'integer',
          nullable: false,
          unique: false,
          index: true,
          primaryKey: false,
          references: {
            table: 'categories',
            column: 'id',
            onDelete: 'restrict',
          },
        },
      ],
      primaryKey: ['id'],
      uniques: [],
      indexes: [
        {
          name: 'ix_posts_author_id',
          columns: ['author_id'],
        },
        {
          name: 'ix_posts_category_id',
          columns: ['category_id'],
        },
      ],
      relations: [
        {
          field: 'author',
          cardinality: 'one',
          target: 'users',
          via: {
            kind: 'fk-here',
            column: 'author_id',
          },
          inverse: 'posts',
          relationshipIndex: 0,
        },
        {
          field: 'category',
          cardinality: 'one',
          target: 'categories',
          via: {
            kind: 'fk-here',
            column: 'category_id',
          },
          inverse: 'posts',
          relationshipIndex: 4,
        },
        {
          field: 'tags',
          cardinality: 'many',
          target: 'tags',
          via: {
            kind: 'join',
            joinTable: 'post_tags',
            ownColumn: 'post_id',
            targetColumn: 'tag_id',
          },
          inverse: 'posts',
          relationshipIndex: 2,
        },
      ],
    },
    {
      name: 'tags',
      className: 'Tag',
      singular: 'tag',
      isJoinTable: false,
      columns: [
        {
          name: 'id',
          type: 'integer',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: true,
        },
        {
          name: 'label',
          type: 'string',
          length: 40,
          nullable: false,
          unique: true,
          index: false,
          primaryKey: false,
          check: {
            pattern: '^[a-z][a-z0-9-]*$',
          },
        },
      ],
      primaryKey: ['id'],
      uniques: [['label']],
      indexes: [],
      relations: [
        {
          field: 'posts',
          cardinality: 'many',
          target: 'posts',
          via: {
            kind: 'join',
            joinTable: 'post_tags',
            ownColumn: 'tag_id',
            targetColumn: 'post_id',
          },
          inverse: 'tags',
          relationshipIndex: 2,
        },
      ],
    },
    {
      name: 'post_tags',
      className: 'PostTag',
      singular: 'post_tag',
      isJoinTable: true,
      columns: [
        {
          name: 'post_id',
          type: 'integer',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: true,
          references: {
            table: 'posts',
            column: 'id',
            onDelete: 'cascade',
          },
        },
        {
          name: 'tag_id',
          type: 'integer',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: true,
          references: {
            table: 'tags',
            column: 'id',
            onDelete: 'cascade',
          },
        },
        {
          name: 'position',
          type: 'integer',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: false,
          default: 0,
        },
      ],
      primaryKey: ['post_id', 'tag_id'],
      uniques: [],
      indexes: [
        {
          name: 'ix_post_tags_tag_id',
          columns: ['tag_id'],
        },
      ],
      relations: [],
    },
  ],
} as unknown as Plan;

/**
 * A shop with uuid keys, a self-referential many-to-many, a join table with a required column, a model class named
 * like an imported name (Order), a column named like a paging parameter (sort), a one-value enum, date/datetime/uuid
 * defaults, string defaults too long for one line, and a table with nothing but its key.
 */
const SHOP: Plan = {
  name: 'shop',
  buildOrder: [],
  files: [],
  warnings: [],
  tables: [
    {
      name: 'customers',
      className: 'Customer',
      singular: 'customer',
      isJoinTable: false,
      columns: [
        {
          name: 'id',
          type: 'uuid',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: true,
        },
        {
          name: 'code',
          type: 'string',
          length: 12,
          nullable: false,
          unique: true,
          index: false,
          primaryKey: false,
          check: {
            pattern: '^C-[0-9]{4}$',
          },
        },
        {
          name: 'sort',
          type: 'integer',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: false,
          default: 5,
        },
        {
          name: 'since',
          type: 'date',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: false,
          default: '2020-02-29',
        },
        {
          name: 'token',
          type: 'uuid',
          nullable: false,
          unique: true,
          index: false,
          primaryKey: false,
          default: 'random',
        },
        {
          name: 'tier',
          type: 'enum',
          values: ['gold'],
          nullable: true,
          unique: false,
          index: false,
          primaryKey: false,
        },
        {
          name: 'seen_at',
          type: 'datetime',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: false,
          default: '2024-05-01T10:00:00+02:00',
        },
        {
          name: 'tags',
          type: 'json',
          nullable: true,
          unique: false,
          index: false,
          primaryKey: false,
          default: [],
        },
      ],
      primaryKey: ['id'],
      uniques: [['code'], ['token']],
      indexes: [],
      relations: [
        {
          field: 'follows',
          cardinality: 'many',
          target: 'customers',
          via: {
            kind: 'join',
            joinTable: 'customer_follows',
            ownColumn: 'follower_id',
            targetColumn: 'followed_id',
          },
          inverse: 'followers',
          relationshipIndex: 0,
        },
        {
          field: 'followers',
          cardinality: 'many',
          target: 'customers',
          via: {
            kind: 'join',
            joinTable: 'customer_follows',
            ownColumn: 'followed_id',
            targetColumn: 'follower_id',
          },
          inverse: 'follows',
          relationshipIndex: 0,
        },
        {
          field: 'orders',
          cardinality: 'many',
          target: 'orders',
          via: {
            kind: 'fk-there',
            column: 'customer_id',
          },
          inverse: 'customer',
          relationshipIndex: 1,
        },
      ],
    },
    {
      name: 'products',
      className: 'Product',
      singular: 'product',
      isJoinTable: false,
      columns: [
        {
          name: 'id',
          type: 'uuid',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: true,
        },
        {
          name: 'price',
          type: 'decimal',
          precision: 6,
          scale: 2,
          nullable: false,
          unique: false,
          index: false,
          primaryKey: false,
          check: {
            min: 0.5,
            max: 999.99,
          },
        },
        {
          name: 'stock',
          type: 'bigint',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: false,
          check: {
            min: -10,
            max: 10,
          },
        },
        {
          name: 'added_on',
          type: 'date',
          nullable: false,
          unique: false,
          index: true,
          primaryKey: false,
          default: 'now',
        },
        {
          name: 'notes',
          type: 'text',
          nullable: true,
          unique: false,
          index: false,
          primaryKey: false,
          check: {
            minLength: 2,
            maxLength: 500,
          },
          default:
            'A default long enough to push the constant past the line length: "quoted" and \'single\' text, a backslash \\ and more words here.',
        },
        {
          name: 'label',
          type: 'string',
          length: 200,
          nullable: false,
          unique: false,
          index: false,
          primaryKey: false,
          default: 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
        },
      ],
      primaryKey: ['id'],
      uniques: [],
      indexes: [],
      relations: [
        {
          field: 'orders',
          cardinality: 'many',
          target: 'orders',
          via: {
            kind: 'join',
            joinTable: 'order_lines',
            ownColumn: 'product_id',
            targetColumn: 'order_id',
          },
          inverse: 'products',
          relationshipIndex: 2,
        },
      ],
    },
    {
      name: 'orders',
      className: 'Order',
      singular: 'order',
      isJoinTable: false,
      columns: [
        {
          name: 'id',
          type: 'integer',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: true,
        },
        {
          name: 'customer_id',
          type: 'uuid',
          nullable: true,
          unique: false,
          index: false,
          primaryKey: false,
          references: {
            table: 'customers',
            column: 'id',
            onDelete: 'restrict',
          },
        },
      ],
      primaryKey: ['id'],
      uniques: [],
      indexes: [],
      relations: [
        {
          field: 'customer',
          cardinality: 'one',
          target: 'customers',
          via: {
            kind: 'fk-here',
            column: 'customer_id',
          },
          inverse: 'orders',
          relationshipIndex: 1,
        },
        {
          field: 'products',
          cardinality: 'many',
          target: 'products',
          via: {
            kind: 'join',
            joinTable: 'order_lines',
            ownColumn: 'order_id',
            targetColumn: 'product_id',
          },
          inverse: 'orders',
          relationshipIndex: 2,
        },
      ],
    },
    {
      name: 'audit_logs',
      className: 'AuditLog',
      singular: 'audit_log',
      isJoinTable: false,
      columns: [
        {
          name: 'id',
          type: 'integer',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: true,
        },
      ],
      primaryKey: ['id'],
      uniques: [],
      indexes: [],
      relations: [],
    },
    {
      name: 'customer_follows',
      className: 'CustomerFollow',
      singular: 'customer_follow',
      isJoinTable: true,
      columns: [
        {
          name: 'follower_id',
          type: 'uuid',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: true,
          references: {
            table: 'customers',
            column: 'id',
            onDelete: 'cascade',
          },
        },
        {
          name: 'followed_id',
          type: 'uuid',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: true,
          references: {
            table: 'customers',
            column: 'id',
            onDelete: 'cascade',
          },
        },
      ],
      primaryKey: ['follower_id', 'followed_id'],
      uniques: [],
      indexes: [],
      relations: [],
    },
    {
      name: 'order_lines',
      className: 'OrderLine',
      singular: 'order_line',
      isJoinTable: true,
      columns: [
        {
          name: 'order_id',
          type: 'integer',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: true,
          references: {
            table: 'orders',
            column: 'id',
            onDelete: 'cascade',
          },
        },
        {
          name: 'product_id',
          type: 'uuid',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: true,
          references: {
            table: 'products',
            column: 'id',
            onDelete: 'cascade',
          },
        },
        {
          name: 'quantity',
          type: 'integer',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: false,
          check: {
            min: 1,
          },
        },
      ],
      primaryKey: ['order_id', 'product_id'],
      uniques: [],
      indexes: [],
      relations: [],
    },
  ],
} as unknown as Plan;

/**
 * Edge cases: a composite unique, a self-referential many-to-many whose join table has a required column, decimal(3,3),
 * columns named like a list route's parameters (order, session), a table holding only a foreign key.
 */
const EDGE: Plan = {
  name: 'edge',
  buildOrder: [],
  files: [],
  warnings: [],
  tables: [
    {
      name: 'people',
      className: 'Person',
      singular: 'person',
      isJoinTable: false,
      columns: [
        {
          name: 'id',
          type: 'integer',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: true,
        },
        {
          name: 'first',
          type: 'string',
          length: 20,
          nullable: false,
          unique: false,
          index: false,
          primaryKey: false,
        },
        {
          name: 'last',
          type: 'string',
          length: 20,
          nullable: false,
          unique: false,
          index: false,
          primaryKey: false,
        },
        {
          name: 'ratio',
          type: 'decimal',
          precision: 3,
          scale: 3,
          nullable: false,
          unique: false,
          index: false,
          primaryKey: false,
        },
        {
          name: 'order',
          type: 'integer',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: false,
          default: 1,
        },
        {
          name: 'session',
          type: 'string',
          nullable: true,
          unique: false,
          index: false,
          primaryKey: false,
        },
      ],
      primaryKey: ['id'],
      uniques: [['first', 'last']],
      indexes: [],
      relations: [
        {
          field: 'friends',
          cardinality: 'many',
          target: 'people',
          via: {
            kind: 'join',
            joinTable: 'friendships',
            ownColumn: 'person_id',
            targetColumn: 'friend_id',
          },
          inverse: 'friend_of',
          relationshipIndex: 0,
        },
        {
          field: 'friend_of',
          cardinality: 'many',
          target: 'people',
          via: {
            kind: 'join',
            joinTable: 'friendships',
            ownColumn: 'friend_id',
            targetColumn: 'person_id',
          },
          inverse: 'friends',
          relationshipIndex: 0,
        },
        {
          field: 'badges',
          cardinality: 'many',
          target: 'badges',
          via: {
            kind: 'fk-there',
            column: 'person_id',
          },
          inverse: 'person',
          relationshipIndex: 1,
        },
      ],
    },
    {
      name: 'badges',
      className: 'Badge',
      singular: 'badge',
      isJoinTable: false,
      columns: [
        {
          name: 'id',
          type: 'integer',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: true,
        },
        {
          name: 'person_id',
          type: 'integer',
          nullable: false,
          unique: false,
          index: true,
          primaryKey: false,
          references: {
            table: 'people',
            column: 'id',
            onDelete: 'cascade',
          },
        },
      ],
      primaryKey: ['id'],
      uniques: [],
      indexes: [],
      relations: [
        {
          field: 'person',
          cardinality: 'one',
          target: 'people',
          via: {
            kind: 'fk-here',
            column: 'person_id',
          },
          inverse: 'badges',
          relationshipIndex: 1,
        },
      ],
    },
    {
      name: 'friendships',
      className: 'Friendship',
      singular: 'friendship',
      isJoinTable: true,
      columns: [
        {
          name: 'person_id',
          type: 'integer',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: false,
          references: {
            table: 'people',
            column: 'id',
            onDelete: 'cascade',
          },
        },
        {
          name: 'friend_id',
          type: 'integer',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: false,
          references: {
            table: 'people',
            column: 'id',
            onDelete: 'cascade',
          },
        },
        {
          name: 'since',
          type: 'date',
          nullable: false,
          unique: false,
          index: false,
          primaryKey: false,
        },
        {
          name: 'note',
          type: 'text',
          nullable: true,
          unique: false,
          index: false,
          primaryKey: false,
        },
      ],
      primaryKey: ['person_id', 'friend_id'],
      uniques: [],
      indexes: [],
      relations: [],
    },
  ],
} as unknown as Plan;

/**
 * A model (validated and planned by core) whose names are as long as the validator allows: the layout no longer fits
 * 100 columns, so the project is configured for its longest statement and ruff format still agrees.
 */
const LONG_NAMES_MODEL: unknown = {
  name: 'a_rather_long_project_name_for_testing_the_line_wrapping_logic',
  description: 'Long names everywhere',
  tables: [
    {
      name: 'extraordinarily_long_table_names_that_test_the_wrapping_abcdefg',
      columns: [
        {
          name: 'an_extremely_long_column_name_that_pushes_every_line_over_limit',
          type: 'string',
          length: 100,
          unique: true,
          index: true,
          check: {
            pattern: '^[a-z]+$',
            minLength: 2,
          },
        },
        {
          name: 'another_extremely_long_column_name_with_an_enumeration_of_value',
          type: 'enum',
          values: ['first_very_long_enumeration_value_name', 'second_very_long_enumeration_value_name', 'third'],
          default: 'third',
        },
        {
          name: 'a_decimal_column_with_a_long_name_and_both_bounds_declared_here',
          type: 'decimal',
          precision: 12,
          scale: 4,
          check: {
            min: 0,
            max: 1000,
          },
        },
        {
          name: 'a_json_column_with_a_long_name_and_a_nested_default_value_there',
          type: 'json',
          default: {
            some_key_that_is_long: [
              'a',
              'b',
              {
                c: 'd',
              },
            ],
            another: null,
          },
        },
      ],
    },
    {
      name: 'second_extraordinarily_long_table_name_for_relationships_abcdef',
      columns: [
        {
          name: 'title_of_the_second_table_with_a_long_name_of_sixty_three_chars',
          type: 'text',
          nullable: true,
        },
      ],
    },
  ],
  relationships: [
    {
      kind: 'one-to-many',
      parent: 'extraordinarily_long_table_names_that_test_the_wrapping_abcdefg',
      child: 'second_extraordinarily_long_table_name_for_relationships_abcdef',
      foreignKey: 'reference_to_the_first_table_with_a_long_foreign_key_name_here',
      parentField: 'the_parent_row_of_this_child_with_a_quite_long_attribute_name',
      childField: 'the_children_rows_of_this_parent_with_a_long_attribute_name',
      required: true,
      onDelete: 'cascade',
    },
    {
      kind: 'many-to-many',
      parent: 'extraordinarily_long_table_names_that_test_the_wrapping_abcdefg',
      child: 'second_extraordinarily_long_table_name_for_relationships_abcdef',
      joinTable: {
        name: 'a_join_table_with_a_very_long_name_too_for_many_to_many_linking',
        columns: [
          {
            name: 'a_join_column_with_a_long_name_and_a_default_value_of_zero_here',
            type: 'integer',
            default: 0,
            check: {
              min: 0,
            },
          },
        ],
      },
      parentField: 'linked_parents_through_the_many_to_many_relationship_long_name',
      childField: 'linked_children_through_the_many_to_many_relationship_long_nam',
    },
  ],
};

/** Models the gate must pass (core's examples/models join them once core's planner is in main). */
const FIXTURES: Record<string, Plan> = { 'fixture blog': BLOG, 'fixture shop': SHOP, 'fixture edge': EDGE };

/** Every model of examples/models/, validated and planned by core, then the fixtures. */
const EXAMPLES_DIR = path.resolve(import.meta.dirname, '../../examples/models');
const MODELS: Record<string, Plan> = {};
for (const file of fs
  .readdirSync(EXAMPLES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()) {
  const validation = validateModel(JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8')));
  if (!validation.valid) throw new Error(`examples/models/${file} is invalid: ${JSON.stringify(validation.errors)}`);
  MODELS[`examples/models/${file}`] = planModel(validation.model);
}
Object.assign(MODELS, FIXTURES);
{
  const validation = validateModel(LONG_NAMES_MODEL);
  if (!validation.valid) throw new Error(`the long-names model is invalid: ${JSON.stringify(validation.errors)}`);
  MODELS['fixture long names (63-character identifiers)'] = planModel(validation.model);
}

const sandbox = await sandboxAvailable();
const python = spawnSync(
  fs.existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3',
  ['-c', 'import venv, ensurepip'],
  {
    encoding: 'utf8',
  },
);
const canGate = sandbox.available && python.status === 0;
const GATE_MISSING = `the Python quality gate needs the sandbox (${sandbox.reason ?? 'ok'}) and python3 with venv (${python.stderr?.trim() || 'ok'})`;

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'orbit-fastapi-test-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function write(files: GeneratedFile[], name: string): string {
  const dir = path.join(scratch, name);
  fs.rmSync(dir, { recursive: true, force: true });
  for (const f of files) {
    fs.mkdirSync(path.dirname(path.join(dir, f.path)), { recursive: true });
    fs.writeFileSync(path.join(dir, f.path), f.content);
  }
  return dir;
}

function summary(report: GateReport): string {
  return report.steps.map((s) => `${s.name}: ${s.ok ? 'ok' : `FAILED\n${s.output.slice(-4000)}`}`).join('\n');
}

/** The failing test names of a pytest run (`FAILED tests/x.py::name - …`). */
function failedTests(output: string): string[] {
  return [...output.matchAll(/^FAILED (\S+::\w+)/gm)].map((m) => m[1] ?? '');
}

describe('fastapi target', () => {
  it('generates byte-identical files for the same plan, with a revision id derived from the plan', () => {
    const first = fastapiTarget.generate(BLOG);
    const second = fastapiTarget.generate(structuredClone(BLOG));
    expect(second).toEqual(first);
    const migration = first.find((f) => f.path.startsWith('migrations/versions/'));
    expect(migration?.path).toMatch(/^migrations\/versions\/[0-9a-f]{12}_initial\.py$/);
    const changed = fastapiTarget.generate({ ...BLOG, name: 'blog_two' });
    expect(changed.find((f) => f.path.startsWith('migrations/versions/'))?.path).not.toBe(migration?.path);
    expect(fastapiTarget.files(BLOG).map((f) => f.path)).toEqual(first.map((f) => f.path));
    for (const f of fastapiTarget.files(BLOG)) expect(f.purpose.length).toBeGreaterThan(5);
  });

  it('writes every user string as an escaped literal: no raw newline, quote run or unescaped text reaches the code', () => {
    const files = fastapiTarget.generate(BLOG);
    const python = files.filter((f) => f.path.endsWith('.py'));
    const all = python.map((f) => f.content).join('\n');
    // The hostile description's payload appears only inside string literals, escaped.
    expect(all).not.toContain("os.system('rm -rf /') #\r\n");
    expect(all).not.toMatch(/^\s*import os; os\.system/m);
    expect(all).toContain('\\r\\n*/ <!-- \\\\');
    // Generated Python is printable ASCII: every other character is an escape.
    for (const f of python) {
      const odd = [...f.content].filter((ch) => ch !== '\n' && (ch < ' ' || ch > '~'));
      expect(odd, f.path).toEqual([]);
    }
  });

  itWhen(canGate, GATE_MISSING)(
    'hostile descriptions, defaults and patterns come back from Python exactly as written in the model',
    async () => {
      const { files } = generateFastapi(BLOG);
      const dir = write(files, 'inert');
      const env = await ensurePythonEnvironment(files.find((f) => f.path === 'requirements.lock')?.content ?? '');
      const users = BLOG.tables.find((t) => t.name === 'users');
      const column = (name: string) => users?.columns.find((c) => c.name === name);
      const probe = [
        'import json',
        'from app import defaults, models, schemas',
        'create = schemas.UserCreate.model_json_schema()["properties"]',
        'print(json.dumps({',
        '  "email_comment": models.User.__table__.c.email.comment,',
        '  "nickname_comment": models.User.__table__.c.nickname.comment,',
        '  "nickname_pattern": create["nickname"]["anyOf"][0]["pattern"],',
        '  "table_comment": models.User.__table__.comment,',
        '  "bio": defaults.USERS_BIO,',
        '  "settings": defaults.USERS_SETTINGS,',
        '}))',
      ].join('\n');
      fs.writeFileSync(path.join(dir, 'probe.py'), probe);
      const result = await runInPythonSandbox(dir, [path.join(env.dir, 'bin', 'python'), 'probe.py'], {
        env,
        timeoutMs: 120_000,
      });
      expect(result.exitCode, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toEqual({
        email_comment: column('email')?.description,
        nickname_comment: column('nickname')?.description,
        nickname_pattern: column('nickname')?.check?.pattern,
        table_comment: users?.description,
        bio: column('bio')?.default,
        settings: column('settings')?.default,
      });
    },
    300_000,
  );

  for (const [name, plan] of Object.entries(MODELS)) {
    itWhen(canGate, GATE_MISSING)(
      `${name}: the gate passes (ruff, format, mypy --strict clean; every generated test passes) and runs no pip`,
      async () => {
        const { files, tests } = generateFastapi(plan);
        expect(tests.warnings).toEqual([]);
        const dir = write(files, name.replace(/[^a-z0-9]+/gi, '-'));
        // The shared environment exists (CI prefetches it): this gate must not run pip.
        await ensurePythonEnvironment(files.find((f) => f.path === 'requirements.lock')?.content ?? '');
        const pipBefore = pythonPipRuns();
        const report = await gatePython(dir);
        expect(pythonPipRuns()).toBe(pipBefore);
        expect(report.steps[0]).toMatchObject({
          name: 'dependencies',
          command: 'reuse shared venv',
          counts: { pipInstalls: 0 },
        });
        expect(report.ok, summary(report)).toBe(true);
        const count = Object.values(tests.files).flat().length;
        const step = (n: string) => report.steps.find((s) => s.name === n);
        expect(step('ruff check')?.counts).toEqual({ issues: 0 });
        expect(step('ruff format')?.counts).toEqual({ files: 0 });
        expect(step('mypy --strict')?.counts).toEqual({ errors: 0 });
        expect(step('pytest')?.counts).toEqual({ passed: count, failed: 0, errors: 0, skipped: 0 });
        expect(count).toBeGreaterThan(20);
      },
      600_000,
    );
  }

  itWhen(canGate && hasPostgres, hasPostgres ? GATE_MISSING : POSTGRES_MISSING)(
    'with a PostgreSQL server the gate runs the generated tests on a scratch database there (relayed socket; no network)',
    async () => {
      const { files, tests } = generateFastapi(BLOG);
      const dir = write(files, 'blog-postgres');
      const report = await gatePython(dir, { databaseUrl: postgresUrl ?? '' });
      const pytest = report.steps.find((s) => s.name === 'pytest');
      const count = Object.values(tests.files).flat().length;
      expect(pytest?.counts, pytest?.output.slice(-4000)).toEqual({ passed: count, failed: 0, errors: 0, skipped: 0 });
      expect(report.ok, summary(report)).toBe(true);
      // The scratch database is gone afterwards.
      const admin = new pg.Client({ connectionString: postgresUrl });
      await admin.connect();
      const left = await admin.query("SELECT datname FROM pg_database WHERE datname LIKE 'orbit_gate_%'");
      await admin.end();
      expect(left.rows).toEqual([]);
    },
    600_000,
  );

  itWhen(canGate, GATE_MISSING)(
    'the gate fails and counts what it found: a lint issue, a file to reformat, a type error',
    async () => {
      const { files } = generateFastapi(BLOG);
      const broken = files.map((f) =>
        f.path === 'app/settings.py' ? { ...f, content: `${f.content}import os\nBROKEN:int='text'\n` } : f,
      );
      const dir = write(broken, 'broken');
      const report = await gatePython(dir);
      expect(report.ok).toBe(false);
      const step = (n: string) => report.steps.find((s) => s.name === n);
      expect(step('ruff check')?.ok).toBe(false);
      expect(step('ruff check')?.counts?.issues).toBeGreaterThanOrEqual(1);
      expect(step('ruff format')?.counts).toEqual({ files: 1 });
      expect(step('mypy --strict')?.counts).toEqual({ errors: 1 });
      expect(step('mypy --strict')?.output).toContain('app/settings.py');
      expect(step('pytest')?.ok).toBe(true);
    },
    600_000,
  );

  /** Each mutant removes one behaviour; the named generated tests must fail on it. */
  const MUTANTS: { name: string; file: string; from: string; to: string; tests: string; fails: string[] }[] = [
    {
      name: 'unique constraint dropped from the model',
      file: 'app/models.py',
      from: '        sa.UniqueConstraint("email", name="uq_users_email"),\n',
      to: '',
      tests: 'tests/test_users.py',
      fails: ['tests/test_users.py::test_unique_email_conflict_is_409'],
    },
    {
      name: 'unique violation no longer mapped to 409',
      file: 'app/errors.py',
      from: 'if code == "23505" or "UNIQUE constraint failed" in message:',
      to: 'if code == "23505":',
      tests: 'tests/test_users.py',
      fails: ['tests/test_users.py::test_unique_email_conflict_is_409'],
    },
    {
      name: 'min check dropped from the create schema',
      file: 'app/schemas.py',
      from: 'age: int | None = Field(default=None, ge=0, le=150)',
      to: 'age: int | None = Field(default=None, le=150)',
      tests: 'tests/test_users.py',
      fails: ['tests/test_users.py::test_age_below_min_is_422'],
    },
    {
      name: 'foreign-key check dropped from the posts handler',
      file: 'app/routers/posts.py',
      from: '    if ref is not None and session.get(User, ref) is None:\n        raise missing_reference("author_id", "users", ref)\n',
      to: '',
      tests: 'tests/test_posts.py',
      fails: ['tests/test_posts.py::test_author_id_must_name_an_existing_user'],
    },
    {
      name: 'page size bound raised',
      file: 'app/pagination.py',
      from: 'MAX_LIMIT = 100',
      to: 'MAX_LIMIT = 1000',
      tests: 'tests/test_tags.py',
      fails: ['tests/test_tags.py::test_pagination_boundaries'],
    },
    {
      name: 'sort order ignored',
      file: 'app/routers/users.py',
      from: 'ordering = column.asc() if order == "asc" else column.desc()',
      to: 'ordering = column.asc()',
      tests: 'tests/test_users.py',
      fails: ['tests/test_users.py::test_sorting_asc_and_desc'],
    },
    {
      name: 'ON DELETE CASCADE turned into RESTRICT',
      file: 'app/models.py',
      from: 'author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))',
      to: 'author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="RESTRICT"))',
      tests: 'tests/test_relationships.py',
      fails: ['tests/test_relationships.py::test_posts_author_id_on_delete_cascade'],
    },
    {
      name: 'unique constraint dropped from the migration',
      file: 'MIGRATION',
      from: '        sa.UniqueConstraint("email", name=op.f("uq_users_email")),\n',
      to: '',
      tests: 'tests/test_migrations.py',
      fails: ['tests/test_migrations.py::test_migration_matches_the_models'],
    },
  ];

  itWhen(canGate, GATE_MISSING)(
    'mutation testing: every mutant of a handler, schema, model or migration makes the named generated tests fail',
    async () => {
      const { files } = generateFastapi(BLOG);
      const env = await ensurePythonEnvironment(files.find((f) => f.path === 'requirements.lock')?.content ?? '');
      const killed: string[] = [];
      for (const [i, mutant] of MUTANTS.entries()) {
        const mutated = files.map((f) => {
          const target =
            mutant.file === 'MIGRATION' ? f.path.startsWith('migrations/versions/') : f.path === mutant.file;
          if (!target) return f;
          expect(f.content.includes(mutant.from), `${mutant.name}: the code to mutate is there`).toBe(true);
          return { ...f, content: f.content.replaceAll(mutant.from, mutant.to) };
        });
        const dir = write(mutated, `mutant-${i}`);
        const step = await runPythonTool(dir, 'pytest', { env }, [mutant.tests]);
        const failed = failedTests(step.output);
        expect(step.ok, `${mutant.name} survived:\n${step.output.slice(-3000)}`).toBe(false);
        for (const name of mutant.fails) expect(failed, mutant.name).toContain(name);
        killed.push(`${mutant.name}: ${failed.length} failed (${failed.join(', ')})`);
      }
      console.info(`fastapi mutants killed:\n${killed.join('\n')}`);
      expect(killed).toHaveLength(MUTANTS.length);
    },
    600_000,
  );
});
